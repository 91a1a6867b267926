"""Calendar feeds as bytes: render through the caches, with ETag and Last-Modified.

Used by the feed routes and ``flask calendar export``; links come from configuration, so no
request is needed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from delegations.db import db
from delegations.models import Delegate, Delegation, Forum, User

from . import ical
from .feed_store import FeedStore
from .links import page_base_url, path_for, public_base_url
from .models import Session


def base_url() -> str:
    """Where links shown on a page point (see links.py); feeds use ``public_base_url``."""
    return page_base_url()


def session_url_factory(forum: Forum) -> ical.SessionUrl:
    """Links back to the session's page, from configuration (links.py): the same in a
    request, a CLI command or a job."""
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
