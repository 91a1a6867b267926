"""Every rule of ``app.url_map``, for every kind of viewer, against a table of answers.

The viewers: anonymous; a delegate on their own record (Mayor Yvonne Aki-Sawyerr of
Freetown); a focal point of another delegation on Freetown's objects; a coordinator. The
objects: Freetown, its mayor, a private session she speaks in, a venue and a room. A route
missing from ``EXPECTED`` fails the test: a new route must say who may reach it. GET routes
are walked for every viewer; a POST is sent only where it must be refused (sending an empty
form where it is allowed would change data); every answer is also checked for "no commit"
on GET.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import g, url_for

from delegations import jobs
from delegations.db import db
from delegations.models import Delegate, Delegation, Role
from schedule.models import Room, Session, SpeakerSlot
from tests.conftest import PASSWORD

VIEWERS = ("anonymous", "delegate", "focal_point_b", "coordinator")
LOGINS = {
    "delegate": "delegate@demo.forumdesk.example",
    "focal_point_b": "focal.other@example.org",
    "coordinator": "coordinator@demo.forumdesk.example",
}
L = "login"  # a redirect to the login page
R = "redirect"  # any other redirect (302/303)
X = None  # not sent: a POST the viewer may make (an empty form would change data)

#: endpoint -> method -> answer per viewer (anonymous, delegate, focal point B, coordinator)
EXPECTED: dict[str, dict[str, tuple[Any, Any, Any, Any]]] = {
    "accounts.change": {"POST": (L, 403, 403, X)},
    "accounts.index": {"GET": (L, 403, 403, 200)},
    "auth.login": {"GET": (200, R, R, R)},
    "auth.login_post": {"POST": (400, 400, 400, X)},
    "auth.logout": {"POST": (L, L, L, X)},
    "auth.logout_everywhere": {"POST": (L, X, X, X)},
    "badges.attendance": {"GET": (L, 403, 404, 200)},
    "badges.batch": {"GET": (L, 403, 403, 404)},
    "badges.batch_pdf": {"GET": (L, 403, 403, 404)},
    "badges.batch_post": {"POST": (L, 403, 403, X)},
    "badges.delegation": {"GET": (L, 403, 403, 200)},
    "badges.desk": {"GET": (L, 403, 403, 200)},
    "badges.desk_home": {"GET": (L, 403, 403, R)},
    "badges.desk_photo": {"GET": (L, 403, 403, 404)},
    "badges.desk_post": {"POST": (L, 403, 403, X)},
    "badges.headcount": {"GET": (L, 403, 200, 200)},
    "badges.index": {"GET": (L, 403, 403, 200)},
    "badges.issue_post": {"POST": (L, 403, 403, X)},
    "badges.pdf": {"GET": (L, 403, 403, R)},
    "badges.reissue_post": {"POST": (L, 403, 403, X)},
    "badges.static": {"GET": (404, 404, 404, 404)},
    "book_batches.batch": {"GET": (L, 404, 404, 404)},
    "book_batches.batch_failed": {"GET": (L, 404, 404, 404)},
    "book_batches.batch_progress": {"GET": (L, 404, 404, 404)},
    "book_batches.batch_zip": {"GET": (L, 404, 404, 404)},
    "book_batches.batches": {"GET": (L, 403, 200, 200)},
    "book_batches.cancel": {"POST": (L, 404, 404, X)},
    "book_batches.edition_pdf": {"GET": (L, 404, 404, 404)},
    "book_batches.make_delegate_book": {"POST": (L, R, 403, X)},
    "book_batches.make_delegation_book": {"POST": (L, 403, 403, X)},
    "book_batches.retry": {"POST": (L, 404, 404, X)},
    "book_batches.start": {"POST": (L, 403, R, X)},
    "books.delegate_book": {"GET": (L, 409, 403, 409)},  # 409: no edition made yet
    "books.delegation_book": {"GET": (L, 403, 403, 409)},
    "books.index": {"GET": (L, 200, 200, 200)},
    "calendars.delegate_feed": {"GET": (L, 200, 403, 200)},
    "calendars.delegation_feed": {"GET": (L, 403, 403, 200)},
    "calendars.forum_feed": {"GET": (200, 200, 200, 200)},
    "calendars.issue_delegate_link": {"POST": (L, 200, 403, X)},
    "calendars.issue_delegation_link": {"POST": (L, 403, 403, X)},
    "calendars.revoke_delegate_link": {"POST": (L, R, 403, X)},
    "calendars.revoke_delegation_link": {"POST": (L, 403, 403, X)},
    "calendars.session_feed": {"GET": (404, 200, 404, 200)},
    "calendars.subscribe": {"GET": (L, 200, 200, 200)},
    "calendars.token_feed": {"GET": (404, 404, 404, 404)},
    "delegations.dashboard": {"GET": (L, 403, 403, 200)},
    "delegations.deadline_delete": {"POST": (L, 403, 403, X)},
    "delegations.deadlines": {"GET": (L, 403, 403, 200)},
    "delegations.deadlines_post": {"POST": (L, 403, 403, X)},
    "delegations.delegate": {"GET": (L, 200, 403, 200)},
    "delegations.delegate_accreditation": {"POST": (L, 403, 403, X)},
    "delegations.delegate_delete": {"POST": (L, 403, 403, X)},
    "delegations.delegate_document": {"POST": (L, 403, 403, X)},
    "delegations.delegate_document_file": {"GET": (L, 404, 403, 404)},
    "delegations.delegate_edit": {"GET": (L, 403, 403, 200)},
    "delegations.delegate_edit_post": {"POST": (L, 403, 403, X)},
    "delegations.delegate_new": {"GET": (L, 403, 403, 200)},
    "delegations.delegate_new_post": {"POST": (L, 403, 403, X)},
    "delegations.delegate_photo": {"GET": (L, 404, 403, 404)},
    "delegations.delegate_photo_post": {"POST": (L, 403, 403, X)},
    "delegations.delegate_status": {"POST": (L, 403, 403, X)},
    "delegations.delegation_delete": {"POST": (L, 403, 403, X)},
    "delegations.delegation_edit": {"GET": (L, 403, 403, 200)},
    "delegations.delegation_edit_post": {"POST": (L, 403, 403, X)},
    "delegations.delegation_new": {"GET": (L, 403, 403, 200)},
    "delegations.delegation_new_post": {"POST": (L, 403, 403, X)},
    "delegations.detail": {"GET": (L, 200, 403, 200)},
    "delegations.index": {"GET": (L, R, R, 200)},
    "delegations.organisation_new_post": {"POST": (L, 403, 403, X)},
    "delegations.participants_list_csv": {"GET": (L, 403, 403, 200)},
    "delegations.participants_list_pdf": {"GET": (L, 403, 403, 200)},
    "delegations.quotas": {"GET": (L, 403, 403, 200)},
    "delegations.quotas_post": {"POST": (L, 403, 403, X)},
    "delegations.roster_bulk": {"POST": (L, 403, R, X)},
    "delegations.roster_export_csv": {"GET": (L, 403, 403, 200)},
    "delegations.roster_export_xlsx": {"GET": (L, 403, 403, 200)},
    "delegations.roster_import": {"GET": (L, 403, 403, 200)},
    "delegations.roster_import_confirm": {"POST": (L, 403, 403, X)},
    "delegations.roster_import_job": {"GET": (L, 403, 403, 404)},
    "delegations.roster_import_post": {"POST": (L, 403, 403, X)},
    "delegations.roster_list": {"GET": (L, R, 200, 200)},
    "home": {"GET": (L, R, R, R)},
    "invitations.accept": {"GET": (404, 404, 404, 404)},
    "invitations.accept_post": {"POST": (404, 404, 404, X)},
    "invitations.index": {"GET": (L, 403, 200, 200)},
    "invitations.index_post": {"POST": (L, 403, 422, X)},
    "invitations.revoke": {"POST": (L, 403, 404, X)},
    "language.choose": {"POST": (400, 400, 400, X)},
    "mail.outbox": {"GET": (L, 403, 403, 200)},
    "mail.outbox_eml": {"GET": (L, 403, 403, 404)},
    "mail.outbox_retry": {"POST": (L, 403, 403, X)},
    "mail.unsubscribe": {"GET": (404, 404, 404, 404)},
    "mail.unsubscribe_post": {"POST": (404, 404, 404, X)},
    "me.edit": {"GET": (L, 200, 403, 403)},
    "me.edit_post": {"POST": (L, R, 403, X)},
    "schedule.clashes": {"GET": (L, 403, 403, 200)},
    "schedule.delegate_add_to_session": {"GET": (L, 403, 403, 200)},
    "schedule.delegate_agenda": {"GET": (L, 200, 403, 200)},
    "schedule.delegation_agenda": {"GET": (L, 200, 403, 200)},
    "schedule.grid": {"GET": (L, 200, 200, 200)},
    "schedule.grid_move_post": {"POST": (L, 403, 403, X)},
    "schedule.my_agenda": {"GET": (L, 200, 200, 200)},
    "schedule.overview": {"GET": (L, 200, 200, 200)},
    "schedule.programme": {"GET": (L, 200, 200, 200)},
    "schedule.room_edit": {"GET": (L, 403, 403, 200)},
    "schedule.room_edit_post": {"POST": (L, 403, 403, X)},
    "schedule.room_new": {"GET": (L, 403, 403, 200)},
    "schedule.room_new_post": {"POST": (L, 403, 403, X)},
    "schedule.session_cancel": {"POST": (L, 403, 403, X)},
    "schedule.session_detail": {"GET": (L, 200, 404, 200)},
    "schedule.session_edit": {"GET": (L, 403, 403, 200)},
    "schedule.session_edit_post": {"POST": (L, 403, 403, X)},
    "schedule.session_new": {"GET": (L, 403, 403, 200)},
    "schedule.session_new_post": {"POST": (L, 403, 403, X)},
    "schedule.speaker_add": {"GET": (L, 403, 403, 200)},
    "schedule.speaker_add_post": {"POST": (L, 403, 403, X)},
    "schedule.speaker_edit": {"GET": (L, 403, 403, 404)},
    "schedule.speaker_edit_post": {"POST": (L, 403, 403, X)},
    "schedule.speaker_remove": {"POST": (L, 403, 403, X)},
    "schedule.speakers_sort_post": {"POST": (L, 403, 403, X)},
    "schedule.speaking_limits": {"GET": (L, 403, 403, 200)},
    "schedule.speaking_limits_post": {"POST": (L, 403, 403, X)},
    "schedule.venue_edit": {"GET": (L, 403, 403, 200)},
    "schedule.venue_edit_post": {"POST": (L, 403, 403, X)},
    "schedule.venue_new": {"GET": (L, 403, 403, 200)},
    "schedule.venue_new_post": {"POST": (L, 403, 403, X)},
    "schedule.venues": {"GET": (L, 403, 403, 200)},
    "setup.forum_setup": {"GET": (L, 403, 403, 200)},
    "setup.forum_setup_post": {"POST": (L, 403, 403, X)},
    "setup.new_forum": {"GET": (L, 403, 403, 200)},
    "setup.new_forum_post": {"POST": (L, 403, 403, X)},
}

#: GET routes that write, and why (everything else must not commit on GET)
GET_WRITES = {
    "calendars.token_feed": "notes when a secret feed link was last read (at most hourly)",
}


@pytest.fixture
def world(app, demo_forum, make_user):
    freetown = db.session.scalar(sa.select(Delegation).where(
        Delegation.forum_id == demo_forum.id, Delegation.name == "Freetown"))
    other = db.session.scalar(sa.select(Delegation).where(
        Delegation.forum_id == demo_forum.id, Delegation.name != "Freetown")
        .order_by(Delegation.name).limit(1))
    make_user(Role.FOCAL_POINT, email=LOGINS["focal_point_b"], delegation=other)
    mayor = db.session.scalar(sa.select(Delegate).where(
        Delegate.email == "yvonne.aki-sawyerr@demo.forumdesk.example"))
    others_sessions = sa.select(SpeakerSlot.session_id).join(Delegate).where(
        Delegate.delegation_id == other.id)
    private = db.session.scalar(
        sa.select(Session).join(SpeakerSlot).where(
            Session.forum_id == demo_forum.id, Session.private.is_(True),
            SpeakerSlot.delegate_id == mayor.id, Session.id.not_in(others_sessions)).limit(1))
    assert private is not None, "the demo needs a private session of the mayor's alone"
    room = db.session.scalar(sa.select(Room).where(Room.id == private.room_id)) \
        or db.session.scalars(sa.select(Room)).first()
    db.session.commit()
    return {
        "forum": demo_forum.short_name, "delegation_id": freetown.id, "delegate_id": mayor.id,
        "session_id": private.id, "venue_id": room.venue_id, "room_id": room.id,
        "token": "not-a-real-token", "filename": "app.css", "day": "2022-05-17",
        # records the walk does not make: their routes must answer 404 or refuse, never 500
        "batch_id": 1, "invitation_id": 1, "user_id": 1, "message_id": 1, "edition_id": 999999,
        "job_id": 1,
    }


def answer(r: Any) -> Any:
    if r.status_code in (301, 302, 303):
        return L if "/login" in r.headers.get("Location", "") else R
    return r.status_code


def test_every_route_for_every_viewer(app, world, capsys):
    unknown = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                     if rule.endpoint != "static" and rule.endpoint not in EXPECTED)
    commits: list[int] = []
    sa.event.listen(db.engine, "commit", lambda conn: commits.append(1))
    got: dict[str, dict[str, list[Any]]] = {}
    problems = []
    count = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        count += 1
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: world[k] for k in rule.arguments})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            want = EXPECTED.get(rule.endpoint, {}).get(method, (None,) * 4)
            row = got.setdefault(rule.endpoint, {}).setdefault(method, [])
            for viewer, expected in zip(VIEWERS, want, strict=True):
                if method != "GET" and expected is X and rule.endpoint in EXPECTED:
                    row.append(X)
                    continue
                if method != "GET" and rule.endpoint not in EXPECTED and viewer == "coordinator":
                    row.append(X)
                    continue
                # the test's app context outlives each request: forget who logged in last,
                # and let jobs a request started finish before the next one writes
                jobs.wait_idle(app)
                db.session.rollback()
                g.pop("_login_user", None)
                client = app.test_client()
                if viewer != "anonymous":
                    client.post("/login", data={"email": LOGINS[viewer], "password": PASSWORD})
                g.pop("_login_user", None)
                before = len(commits)
                r = client.open(url, method=method)
                row.append(answer(r))
                if method == "GET" and len(commits) != before \
                        and rule.endpoint not in GET_WRITES:
                    problems.append(f"GET {url} as {viewer} committed")
                if rule.endpoint in EXPECTED and answer(r) != expected:
                    problems.append(f"{method} {url} as {viewer}: {answer(r)}, "
                                    f"expected {expected}")
    print(f"routes-by-roles walk: {count} url_map rules, {len(VIEWERS)} viewers")
    assert not unknown, ("routes nobody said who may reach (add them to EXPECTED):\n"
                         + "\n".join(f"    {e!r}: {dict((m, tuple(v)) for m, v in got[e].items())},"
                                     for e in unknown))
    assert not problems, "\n".join(problems)
