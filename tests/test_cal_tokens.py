"""Secret feed links: shown once, stored hashed, revocable, re-issuable; and who may do
what on the calendar and briefing-book pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import Role
from schedule.feeds import hash_token, issue_token
from schedule.models import FeedToken
from tests.cal_support import parse_ics


@pytest.fixture
def people(make_forum, make_delegation, make_delegate, make_session, make_user):
    forum = make_forum(short_name="NY22")
    a = make_delegation(forum, name="Dhaka North")
    b = make_delegation(forum, name="Freetown")
    mayor_a = make_delegate(a, given_names="Atiqul", family_name="Islam")
    aide_a = make_delegate(a, given_names="Aide", family_name="Person")
    mayor_b = make_delegate(b, given_names="Yvonne", family_name="Aki-Sawyerr")
    make_session(forum, title="Public session", speakers=[mayor_a, mayor_b])
    make_session(forum, title="Private A", private=True, speakers=[mayor_a],
                 start=datetime(2022, 5, 18, 14, tzinfo=UTC))
    make_session(forum, title="Private B", private=True, speakers=[mayor_b],
                 start=datetime(2022, 5, 18, 16, tzinfo=UTC))
    db.session.commit()
    return {
        "forum": forum, "a": a, "b": b, "mayor_a": mayor_a, "aide_a": aide_a,
        "mayor_b": mayor_b,
        "coord": make_user(Role.COORDINATOR, email="c@example.org"),
        "focal_a": make_user(Role.FOCAL_POINT, email="fa@example.org", delegation=a),
        "del_a": make_user(Role.DELEGATE, email="da@example.org", delegate=mayor_a),
        "del_b": make_user(Role.DELEGATE, email="db@example.org", delegate=mayor_b),
    }


def link_from(page: bytes) -> str:
    m = re.search(rb'class="feed-url" type="text" readonly value="(webcal://[^"]+)"', page)
    assert m, "the new link is shown on the page"
    return m.group(1).decode()


def test_issue_show_once_revoke_reissue(client, auth, people):
    auth.login("da@example.org")
    mayor = people["mayor_a"]
    r = client.post(f"/NY22/calendar/delegates/{mayor.id}/link")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    webcal = link_from(r.data)
    token = webcal.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 22  # >= 128 bits of url-safe base64
    path = webcal.removeprefix("webcal://localhost")
    # the link works without logging in, and holds the private meeting of its owner only
    auth.logout()
    r = client.get(path)
    assert r.status_code == 200
    titles = {str(e["SUMMARY"]) for e in parse_ics(r.data)}
    assert titles == {"Public session", "Private A"}
    # the database holds only the SHA-256 of it
    rows = db.session.scalars(sa.select(FeedToken)).all()
    assert [t.token_hash for t in rows] == [hash_token(token)]
    for table in ("feed_token", "change_log"):
        dump = db.session.execute(sa.text(f"SELECT * FROM {table}")).all()
        assert token not in repr(dump)
    # the page never shows it again
    auth.login("da@example.org")
    assert token.encode() not in client.get("/NY22/calendar/").data
    # revoke -> 404
    r = client.post(f"/NY22/calendar/delegates/{mayor.id}/revoke")
    assert r.status_code == 302
    assert client.get(path).status_code == 404
    # re-issue: the new link works, the old stays dead
    new_path = link_from(client.post(f"/NY22/calendar/delegates/{mayor.id}/link").data) \
        .removeprefix("webcal://localhost")
    auth.logout()
    assert client.get(new_path).status_code == 200
    assert client.get(path).status_code == 404
    assert client.get("/calendar/feed/not-a-token.ics").status_code == 404


def test_reissuing_revokes_the_old_token(app, people):
    _, first = issue_token(None, delegation_id=people["a"].id)
    _, second = issue_token(None, delegation_id=people["a"].id)
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/calendar/feed/{first}.ics").status_code == 404
    r = client.get(f"/calendar/feed/{second}.ics")
    assert r.status_code == 200
    titles = {str(e["SUMMARY"]) for e in parse_ics(r.data)}
    assert titles == {"Public session", "Private A"}  # delegation A's, not B's private


def test_token_feed_conditional_get(app, people):
    _, tok = issue_token(None, delegate_id=people["mayor_b"].id)
    db.session.commit()
    client = app.test_client()
    r = client.get(f"/calendar/feed/{tok}.ics")
    assert client.get(f"/calendar/feed/{tok}.ics",
                      headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("who,kind,owner,status", [
    ("da@example.org", "delegate", "mayor_a", 200),   # own
    ("da@example.org", "delegate", "aide_a", 403),    # a colleague: not theirs
    ("da@example.org", "delegation", "a", 403),       # delegates don't manage the delegation
    ("db@example.org", "delegate", "mayor_a", 403),
    ("fa@example.org", "delegation", "a", 200),       # focal point: own delegation
    ("fa@example.org", "delegate", "aide_a", 200),
    ("fa@example.org", "delegation", "b", 403),
    ("c@example.org", "delegation", "b", 200),        # coordinator: any
])
def test_who_may_issue_links(client, auth, people, who, kind, owner, status):
    auth.login(who)
    r = client.post(f"/NY22/calendar/{kind}s/{people[owner].id}/link")
    assert r.status_code == status


@pytest.mark.parametrize("who,url,status", [
    (None, "/NY22/calendar/", 302),
    (None, "/NY22/calendar/forum.ics", 200),  # public sessions only (see test_cal_feeds)
    (None, "/NY22/calendar/delegations/{a}.ics", 302),
    (None, "/NY22/books/", 302),
    ("da@example.org", "/NY22/calendar/delegates/{mayor_a}.ics", 200),
    ("da@example.org", "/NY22/calendar/delegates/{aide_a}.ics", 403),
    ("da@example.org", "/NY22/calendar/delegations/{a}.ics", 403),  # colleagues' private
    ("da@example.org", "/NY22/books/delegations/{a}.pdf", 403),
    ("da@example.org", "/NY22/calendar/delegations/{b}.ics", 403),
    ("da@example.org", "/NY22/books/delegates/{mayor_a}.pdf", 409),  # no edition yet
    ("da@example.org", "/NY22/books/delegates/{mayor_b}.pdf", 403),
    ("da@example.org", "/NY22/books/delegations/{b}.pdf", 403),
    ("fa@example.org", "/NY22/calendar/delegates/{aide_a}.ics", 200),
    ("fa@example.org", "/NY22/calendar/delegates/{mayor_b}.ics", 403),
    ("fa@example.org", "/NY22/books/delegations/{a}.pdf", 409),
    ("fa@example.org", "/NY22/books/delegations/{b}.pdf", 403),
    ("c@example.org", "/NY22/books/delegations/{b}.pdf", 409),
    ("c@example.org", "/NY22/calendar/delegates/{mayor_b}.ics", 200),
    ("c@example.org", "/NY22/calendar/delegates/999999.ics", 404),
])
def test_access_rules_per_role(client, auth, people, who, url, status):
    if who:
        auth.login(who)
    ids = {k: v.id for k, v in people.items() if hasattr(v, "id")}
    r = client.get(url.format(**ids))
    assert r.status_code == status
    if status == 302:
        assert "/login" in r.headers["Location"]


def test_pages_show_the_right_choices(client, auth, people):
    auth.login("da@example.org")
    page = client.get("/NY22/calendar/").data.decode()
    assert "My agenda" in page and "Google Calendar" in page and "Outlook" in page \
        and "Apple Calendar" in page
    assert "Delegation subscription link" not in page
    books = client.get("/NY22/books/").data.decode()
    assert f"/NY22/books/delegates/{people['mayor_a'].id}.pdf" in books
    assert f"/NY22/books/delegates/{people['aide_a'].id}.pdf" not in books
    assert f"/NY22/books/delegations/{people['a'].id}.pdf" not in books
    auth.logout()
    auth.login("fa@example.org")
    page = client.get("/NY22/calendar/").data.decode()
    assert "Delegation subscription link" in page and "Aide Person" in page
    auth.logout()
    auth.login("c@example.org")
    page = client.get(f"/NY22/calendar/?delegation_id={people['b'].id}").data.decode()
    assert "Freetown delegation" in page
    nav = client.get("/NY22/calendar/").data.decode()
    assert ">Calendar</a>" in nav and ">Briefing books</a>" in nav
