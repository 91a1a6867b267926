"""Feeds are assembled from each session's stored VEVENT (in the database, per revision):
the same bytes as a full render, warm after a restart or in a second worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from delegations.app import create_app
from delegations.db import db
from schedule import ical
from schedule.calendars import feed_bytes, session_url_factory
from schedule.feed_store import FeedEvent, FeedStore, flush_pending
from schedule.services import update_session
from tests.conftest import base_config


def strip(data: bytes) -> bytes:
    return b"\r\n".join(x for x in data.split(b"\r\n") if not x.startswith(b"DTSTAMP"))


@pytest.fixture
def programme(app, make_forum, make_delegation, make_delegate, make_session):
    forum = make_forum(short_name="ST1", timezone="Europe/Dublin")
    people = [make_delegate(make_delegation(forum)) for _ in range(3)]
    start = datetime(2022, 5, 16, 8, 0, tzinfo=UTC)
    sessions = [make_session(forum, start=start + timedelta(hours=3 * i),
                             end=start + timedelta(hours=3 * i + 1), title=f"Session «{i}»",
                             speakers=people[: i % 3 + 1]) for i in range(40)]
    db.session.commit()
    return forum, sessions


def restart(app) -> None:
    """What a restart forgets: every in-process cache (and the request's transaction);
    the events rendered so far are stored as at the end of a request."""
    db.session.commit()
    flush_pending()
    app.extensions.pop("forum_desk_ical_cache", None)
    app.extensions.pop("forum_desk_ical_events", None)


def test_assembled_feed_is_the_full_render_and_survives_a_restart(app, programme,
                                                                  monkeypatch):
    forum, sessions = programme
    app.config["PUBLIC_BASE_URL"] = "https://desk.example.org/"
    stamp = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with app.test_request_context("/"):
        full = ical.render_ics(ical.gather_feed(forum), session_url=session_url_factory(forum),
                               dtstamp=stamp)
        first, _, _ = feed_bytes(forum)
    assert strip(first) == strip(full)
    db.session.commit()  # the request ends: its events are stored
    flush_pending()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent)) == 40
    # the stored events carry the DTSTAMP of their rendering: the same bytes afterwards
    restart(app)

    def no_render(*a, **k):
        raise AssertionError("a stored event was rendered again")

    monkeypatch.setattr(ical, "render_event", no_render)
    again, _, _ = feed_bytes(forum)  # no request needed either
    assert again == first
    # a second worker on the same database starts warm too
    other = create_app(base_config(app.config["DATABASE_URL"],
                                   Path(app.config["UPLOAD_FOLDER"]).parent))
    other.config["PUBLIC_BASE_URL"] = "https://desk.example.org/"
    with other.app_context():
        f2 = db.session.get(type(forum), forum.id)
        assert feed_bytes(f2)[0] == first


def test_a_change_stores_the_new_revision_and_drops_the_old(app, programme):
    forum, sessions = programme
    feed_bytes(forum)
    target = sessions[5]
    old_rev = target.revision
    update_session(target, None, title="Session moved")
    db.session.commit()
    assert target.revision > old_rev
    restart(app)
    data, _, _ = feed_bytes(forum)
    assert b"Session moved" in data and "Session «5»".encode() not in data
    restart(app)
    revs = db.session.scalars(sa.select(FeedEvent.revision)
                              .where(FeedEvent.session_id == target.id)).all()
    assert revs == [target.revision]
    full = ical.render_ics(ical.gather_feed(forum), session_url=session_url_factory(forum))
    assert strip(data) == strip(full)


def test_delegate_feeds_store_their_own_renderings(app, programme):
    forum, sessions = programme
    person = sessions[2].speaker_slots[0].delegate
    mine, _, _ = feed_bytes(forum, delegate=person)
    assert b"Your role" in mine
    restart(app)
    assert feed_bytes(forum, delegate=person)[0] == mine
    store = FeedStore()
    keys = [ical._event_key(s, session_url_factory(forum)(s), frozenset({person.id}),
                            forum.timezone) for s in ical.gather_feed(forum, delegate=person)
            .sessions]
    assert len(store.get_many(keys)) == len(keys) > 0
