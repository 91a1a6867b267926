"""Calendar feeds, the subscription page, briefing books, and their CLI (issue 5).

Routes are thin: look up, check access, call ``ical`` / ``briefing`` / ``feeds``, answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.cli import AppGroup
from flask_login import current_user
from sqlalchemy.orm import joinedload

from delegations.auth import public
from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Delegate, Delegation, Forum, Role, User
from delegations.nav import add_nav

from . import briefing, feeds, ical
from .feed_store import FeedStore, flush_pending
from .links import page_base_url, path_for, public_base_url
from .models import FeedToken, Session

calendars = Blueprint("calendars", __name__)
books = Blueprint("books", __name__)


# --------------------------------------------------------------------------- helpers


def session_url_factory(forum: Forum) -> ical.SessionUrl:
    """Links back to the session's page (from configuration: see links.py)."""
    root = public_base_url().rstrip("/")
    marker = 987654321987  # the URL map built once, not once per event
    head, tail = path_for("schedule.session_detail", forum=forum.short_name,
                          session_id=marker).split(str(marker))
    prefix = root + head
    return lambda s: f"{prefix}{s.id}{tail}"


def _cache() -> ical.RenderCache:
    return current_app.extensions.setdefault("forum_desk_ical_cache", ical.RenderCache())


def _event_cache() -> ical.EventCache:
    return current_app.extensions.setdefault("forum_desk_ical_events", FeedStore())


def feed_bytes(forum: Forum, *, delegation: Delegation | None = None,
               delegate: Delegate | None = None, session_id: int | None = None,
               user: User | None = None) -> tuple[bytes, str, datetime | None]:
    """A feed's bytes, ETag and Last-Modified; unchanged data serves the stored rendering."""
    q = ical.feed_statement(
        forum, delegation_id=delegation.id if delegation else None,
        delegate_id=delegate.id if delegate else None, session_id=session_id, user=user)
    owner = (f"delegate:{delegate.id}" if delegate else f"delegation:{delegation.id}"
             if delegation else f"session:{session_id}" if session_id else "forum")
    extra = "|".join([owner, forum.name, forum.short_name, forum.timezone, public_base_url(),
                      str(forum.start_date), str(forum.end_date)])
    fp, latest = ical.feed_fingerprint(q, extra)
    key = f"{forum.id}:{owner}"
    data = _cache().get(key, fp)
    if data is None and delegate is None and delegation is None:
        name = forum.name
        if session_id is not None:
            title = db.session.scalar(sa.select(Session.title).where(Session.id == session_id))
            name = f"{forum.short_name}: {title or 'session'}"
        data = ical.render_programme_ics(forum, name, q, session_url=session_url_factory(forum),
                                         event_cache=_event_cache())
        _cache().put(key, fp, data)
    elif data is None:
        feed = ical.gather_feed(forum, delegation=delegation, delegate=delegate,
                                session_id=session_id, user=user)
        data = ical.render_ics(feed, session_url=session_url_factory(forum),
                               event_cache=_event_cache())
        _cache().put(key, fp, data)
    return data, fp, latest


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


def delegation_in_forum(forum: Forum, delegation_id: int) -> Delegation:
    d = db.session.get(Delegation, delegation_id)
    if d is None or d.forum_id != forum.id:
        abort(404)
    return d


def delegate_in_forum(forum: Forum, delegate_id: int) -> Delegate:
    p = db.session.get(Delegate, delegate_id)
    if p is None or p.delegation.forum_id != forum.id:
        abort(404)
    return p


def can_see_delegate(user: User, person: Delegate) -> bool:
    """Managers, the delegation's focal point, and the delegate themself."""
    if user.is_manager:
        return True
    if user.role == Role.FOCAL_POINT:
        return user.delegation_id == person.delegation_id
    return user.delegate_id == person.id


def can_manage_delegate_feed(user: User, person: Delegate) -> bool:
    return user.delegate_id == person.id or user.can_edit_delegation(person.delegation_id)


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
    d = delegation_in_forum(f, delegation_id)
    if not current_user.can_edit_delegation(d.id):  # it holds every member's private meetings
        abort(403)
    data, etag, lm = feed_bytes(f, delegation=d)
    return ics_response(data, etag, lm, f"{_slug(f.short_name)}-{_slug(d.name)}.ics")


@calendars.get("/<forum>/calendar/delegates/<int:delegate_id>.ics")
def delegate_feed(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_in_forum(f, delegate_id)
    if not can_see_delegate(current_user, p):
        abort(403)
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


def _subscribe_context(f: Forum) -> dict[str, Any]:
    user: User = current_user
    delegate = user.delegate if user.delegate is not None and \
        user.delegate.delegation.forum_id == f.id else None
    delegation: Delegation | None = None
    if user.role == Role.FOCAL_POINT and user.delegation is not None \
            and user.delegation.forum_id == f.id:
        delegation = user.delegation
    elif user.is_manager:
        picked = request.args.get("delegation_id", type=int)
        if picked:
            delegation = delegation_in_forum(f, picked)
    can_manage_delegation = delegation is not None and user.can_edit_delegation(delegation.id)
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
    https = page_base_url().rstrip("/") + path
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal,
            "google": "https://calendar.google.com/calendar/r?cid=" + webcal}


def _token_owner(f: Forum, *, delegate_id: int | None = None,
                 delegation_id: int | None = None) -> dict[str, int]:
    if delegate_id is not None:
        p = delegate_in_forum(f, delegate_id)
        if not can_manage_delegate_feed(current_user, p):
            abort(403)
        return {"delegate_id": p.id}
    d = delegation_in_forum(f, delegation_id or 0)
    if not current_user.can_edit_delegation(d.id):
        abort(403)
    return {"delegation_id": d.id}


def _issue(f: Forum, owner: dict[str, int]) -> Response:
    """Issue a new secret feed link (revoking the old one) and show it, this once."""
    _, plain = feeds.issue_token(current_user, **owner)
    db.session.commit()
    ctx = _subscribe_context(f)
    kind, owner_id = ("delegate", owner["delegate_id"]) if "delegate_id" in owner \
        else ("delegation", owner["delegation_id"])
    ctx["new_link"] = {"kind": kind, "owner_id": owner_id, **feed_links(plain)}
    resp = Response(render_template("calendars/subscribe.html", **ctx))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _revoke(f: Forum, owner: dict[str, int]) -> Response:
    n = feeds.revoke_tokens(current_user, **owner)
    db.session.commit()
    flash("The feed link was revoked: calendars subscribed to it stop updating."
          if n else "There was no live feed link to revoke.", "info")
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


# --------------------------------------------------------------------------- books


def _paper() -> str:
    return "Letter" if request.args.get("paper", "").lower() in ("letter", "us") else "A4"


def pdf_response(book: briefing.Book) -> Response:
    resp = Response(book.edition.pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{book.filename}"'
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.set_etag(book.edition.fingerprint)
    return resp.make_conditional(request)


@books.get("/<forum>/books/")
def index(forum: str) -> Any:
    f = forum_or_404(forum)
    user: User = current_user
    delegations: list[Delegation] = []
    if user.is_manager:
        delegations = list(db.session.scalars(
            sa.select(Delegation).where(Delegation.forum_id == f.id).order_by(Delegation.name)))
    elif user.own_delegation_id is not None:
        d = db.session.get(Delegation, user.own_delegation_id)
        if d is not None and d.forum_id == f.id:
            delegations = [d]
    people: dict[int, list[Delegate]] = {}
    for d in delegations:
        people[d.id] = sorted(
            (p for p in d.delegates if can_see_delegate(user, p)),
            key=lambda p: (p.capacity.rank, p.level.rank, p.family_name))
    return render_template("books/index.html", forum=f, delegations=delegations,
                           people=people,
                           whole={d.id: user.can_edit_delegation(d.id) for d in delegations})


@books.get("/<forum>/books/delegations/<int:delegation_id>.pdf")
def delegation_book(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = delegation_in_forum(f, delegation_id)
    if not current_user.can_edit_delegation(d.id):  # every member's private meetings
        abort(403)
    book = briefing.current_edition(f, delegation=d, paper=_paper(), actor=current_user)
    db.session.commit()
    return pdf_response(book)


@books.get("/<forum>/books/delegates/<int:delegate_id>.pdf")
def delegate_book(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_in_forum(f, delegate_id)
    if not can_see_delegate(current_user, p):
        abort(403)
    book = briefing.current_edition(f, delegate=p, paper=_paper(), actor=current_user)
    db.session.commit()
    return pdf_response(book)


# --------------------------------------------------------------------------- CLI

calendar_cli = AppGroup("calendar", help="Export iCalendar feeds.")
books_cli = AppGroup("books", help="Build briefing books.")


def _one_forum(short: str | None) -> Forum:
    q = sa.select(Forum)
    if short:
        q = q.where(Forum.short_name == short)
    found = db.session.scalars(q).all()
    if len(found) != 1:
        raise click.ClickException(
            f"no forum {short!r}" if short else "name the forum with --forum SHORT")
    return found[0]


def _delegation_by_name(name: str, short: str | None) -> Delegation:
    q = sa.select(Delegation).where(Delegation.name == name)
    if short:
        q = q.join(Forum).where(Forum.short_name == short)
    found = db.session.scalars(q).all()
    if len(found) != 1:
        raise click.ClickException(
            f"no delegation named {name!r}" if not found else
            f"{len(found)} delegations are named {name!r}: add --forum SHORT")
    return found[0]


def _delegate_by_email(email: str, short: str | None) -> Delegate:
    q = sa.select(Delegate).where(sa.func.lower(Delegate.email) == email.strip().lower())
    if short:
        q = q.join(Delegation).join(Forum).where(Forum.short_name == short)
    found = db.session.scalars(q).all()
    if len(found) != 1:
        raise click.ClickException(
            f"no delegate with e-mail {email!r}" if not found else
            f"{len(found)} delegates have e-mail {email!r}: add --forum SHORT")
    return found[0]


@calendar_cli.command("export")
@click.option("--forum", "short", help="The whole forum's public programme (forum SHORT name).")
@click.option("--delegation", "delegation_name", help="One delegation, by name.")
@click.option("--delegate", "delegate_email", help="One delegate, by e-mail.")
@click.option("--session", "session_id", type=int, help="One session, by id.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(short: str | None, delegation_name: str | None,
                   delegate_email: str | None, session_id: int | None, out: Path) -> None:
    """Write a feed to FILE.ics: the same bytes as the web feed but for DTSTAMP."""
    chosen = [x for x in (delegation_name, delegate_email, session_id) if x is not None]
    if len(chosen) > 1 or (not chosen and not short):
        raise click.UsageError(
            "give one of --forum SHORT, --delegation NAME, --delegate EMAIL, --session ID")
    if delegation_name is not None:
        d = _delegation_by_name(delegation_name, short)
        data, _, _ = feed_bytes(d.forum, delegation=d)
    elif delegate_email is not None:
        p = _delegate_by_email(delegate_email, short)
        data, _, _ = feed_bytes(p.delegation.forum, delegate=p)
    elif session_id is not None:
        s = db.session.get(Session, session_id)
        if s is None or (short and s.forum.short_name != short):
            raise click.ClickException(f"no session {session_id}")
        if s.private:
            raise click.ClickException(
                f"session {session_id} is private: export the feed of a delegate in it")
        data, _, _ = feed_bytes(s.forum, session_id=s.id)
    else:
        f = _one_forum(short)
        data, _, _ = feed_bytes(f)
    try:
        out.write_bytes(data)
    except OSError as e:
        raise click.ClickException(f"cannot write {out}: {e.strerror or e}") from None
    click.echo(f"Wrote {data.count(b'BEGIN:VEVENT')} events to {out}")


@books_cli.command("build")
@click.option("--delegation", "delegation_name", help="One delegation's book, by name.")
@click.option("--delegate", "delegate_email", help="One delegate's book, by e-mail.")
@click.option("--all", "everything", is_flag=True,
              help="Every delegation's book and every delegate's book.")
@click.option("--forum", "short", help="Limit to this forum (forum SHORT name).")
@click.option("--paper", type=click.Choice(["A4", "Letter"], case_sensitive=False),
              default="A4", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def build_command(delegation_name: str | None, delegate_email: str | None, everything: bool,
                  short: str | None, paper: str, out: Path) -> None:
    """Build briefing books into DIR (stored editions are reused when nothing changed)."""
    if sum(bool(x) for x in (delegation_name, delegate_email, everything)) != 1:
        raise click.UsageError("give one of --delegation NAME, --delegate EMAIL, --all")
    out.mkdir(parents=True, exist_ok=True)
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost/"
    jobs: list[tuple[Forum, dict[str, Any]]] = []
    if delegation_name:
        d = _delegation_by_name(delegation_name, short)
        jobs.append((d.forum, {"delegation": d}))
    elif delegate_email:
        p = _delegate_by_email(delegate_email, short)
        jobs.append((p.delegation.forum, {"delegate": p}))
    else:
        q = sa.select(Delegation).order_by(Delegation.forum_id, Delegation.name)
        if short:
            q = q.join(Forum).where(Forum.short_name == short)
        for d in db.session.scalars(q):
            jobs.append((d.forum, {"delegation": d}))
            for p in d.delegates:
                jobs.append((d.forum, {"delegate": p}))
    written = 0
    with current_app.test_request_context("/", base_url=base):
        with click.progressbar(jobs, label="Briefing books", show_pos=True,
                               hidden=not everything) as bar:
            for forum, owner in bar:
                book = briefing.current_edition(forum, paper=paper, **owner)
                db.session.commit()
                (out / book.filename).write_bytes(book.edition.pdf)
                written += 1
    click.echo(f"Wrote {written} briefing book(s) to {out}")


def init_app(app: Flask) -> None:
    """Register this module's blueprints, menu entries and CLI commands."""
    app.register_blueprint(calendars)
    app.register_blueprint(books)
    app.teardown_appcontext(flush_pending)  # stored feed events, after the request
    add_nav(app, "calendars.subscribe", "Calendar", order=40)
    add_nav(app, "books.index", "Briefing books", order=45)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(books_cli)
