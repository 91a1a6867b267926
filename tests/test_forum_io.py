"""The demo forum, and whole-forum JSON export/import."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import Delegation, Forum, Role, User
from schedule.cli import DEMO_FILE
from schedule.forum_io import ForumFileError, export_forum, import_forum
from schedule.models import Session
from tests.conftest import PASSWORD


def test_demo_has_16_delegations_and_roundtable_1_in_new_york_time(demo_forum, client, auth):
    assert demo_forum.timezone == "America/New_York"
    names = db.session.scalars(
        sa.select(Delegation.name).where(Delegation.forum_id == demo_forum.id)).all()
    assert len(names) == 16
    assert {"Freetown", "São Paulo", "Montréal", "Dhaka North"} <= set(names)
    rt1 = db.session.scalar(sa.select(Session).where(Session.title == "Roundtable 1"))
    assert rt1.room.name == "Conference Room 4"
    # 10:00 in New York in May (EDT, UTC-4) is 14:00 UTC
    assert rt1.starts_at.isoformat() == "2022-05-17T14:00:00+00:00"

    auth.login("coordinator@demo.forumdesk.example")
    html = client.get("/IMRF2022/programme/").get_data(as_text=True)
    day = html.split('id="day-2022-05-17"')[1].split('id="day-2022-05-18"')[0]
    row = day.split("Roundtable 1</strong>")[0].rsplit("<tr", 1)[1]
    assert "10:00–13:00" in row
    assert "Conference Room 4" in day.split("Roundtable 1</strong>")[1].split("</tr>")[0]


def test_demo_command_prints_logins_and_is_idempotent(runner, app):
    r = runner.invoke(args=["forum", "demo"])
    assert r.exit_code == 0, r.output
    assert "coordinator@demo.forumdesk.example" in r.output
    assert "focal.freetown@demo.forumdesk.example" in r.output
    assert "delegate@demo.forumdesk.example" in r.output
    r2 = runner.invoke(args=["forum", "demo", "--password", PASSWORD])
    assert "loaded already" in r2.output
    assert db.session.scalar(sa.select(sa.func.count(Forum.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.role == Role.COORDINATOR)) == 1


def test_export_import_export_is_identical(demo_forum, app, database_template, tmp_path):
    first = export_forum(demo_forum)
    # into an empty database: a fresh app on a fresh database
    from delegations import create_app
    from tests.conftest import base_config, fresh_database_url

    db.session.rollback()
    db.session.close()
    (tmp_path / "second").mkdir()
    url = fresh_database_url(database_template, tmp_path / "second")
    other = create_app(base_config(url, tmp_path / "second"))
    with other.app_context():
        forum = import_forum(first)
        db.session.commit()
        second = export_forum(forum)
        db.session.close()
        db.engine.dispose()
    if second != first:  # show where, readably
        a, b = first.decode().splitlines(), second.decode().splitlines()
        diff = [(i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
        raise AssertionError(f"exports differ at {diff[:3]} ({len(a)} vs {len(b)} lines)")
    assert json.loads(first)["forum"]["short_name"] == "IMRF2022"


def test_import_reports_every_problem_and_writes_nothing(app):
    data = json.loads(DEMO_FILE.read_text())
    data["sessions"][3]["start"] = "2022-05-17 10:00"  # no offset
    data["delegations"][0]["delegates"][0]["email"] = "not an e-mail"
    data["venues"][0]["rooms"][0]["capacity"] = -5
    with pytest.raises(ForumFileError) as e:
        import_forum(data)
    problems = e.value.problems
    assert len(problems) == 3, problems
    assert problems[0].startswith("venues[0].rooms[0].capacity: must be a whole number")
    assert any(p.startswith("delegations[0].delegates[0].email: 'not an e-mail'") for p in problems)
    assert any(p.startswith("sessions[3].start: '2022-05-17 10:00' is not an ISO 8601 time with "
                            "offset") for p in problems)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Forum.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == 0


def test_import_cli_lists_problems_and_exits_non_zero(runner, tmp_path):
    data = json.loads(DEMO_FILE.read_text())
    data["forum"]["timezone"] = "EST+5"
    data["sessions"][0]["kind"] = "party"
    data["sessions"][1]["room"] = "nowhere"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    r = runner.invoke(args=["forum", "import", str(bad)])
    assert r.exit_code == 1
    assert "3 problem(s); nothing was imported." in r.output
    assert "forum.timezone: 'EST+5' is not an IANA time zone" in r.output
    assert "sessions[0].kind: 'party' is not one of" in r.output
    assert "sessions[1].room: no room with key 'nowhere' in this file" in r.output
    assert db.session.scalar(sa.select(sa.func.count(Forum.id))) == 0


def test_import_refuses_a_room_booked_twice(app):
    data = json.loads(DEMO_FILE.read_text())
    rt1 = next(s for s in data["sessions"] if s["title"] == "Roundtable 1")
    clash = dict(rt1, uid="another@forum-desk", title="Another meeting", speakers=[])
    data["sessions"].append(clash)
    with pytest.raises(ForumFileError) as e:
        import_forum(data)
    assert e.value.problems == [
        f"sessions[{len(data['sessions']) - 1}].room: Conference Room 4 is taken by "
        "'Roundtable 1' at the same time"]


def test_the_documented_example_imports(app):
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "forum-format.md").read_text()
    example = text.split("```json\n", 1)[1].split("\n```", 1)[0]
    forum = import_forum(example)
    assert forum.short_name == "IMRF2022"
    assert [d.name for d in forum.delegations] == ["Dhaka North"]


def test_overview_orders_rooms_naturally_and_keeps_counts_for_managers(demo_forum, client,
                                                                        auth):
    auth.login("coordinator@demo.forumdesk.example")
    html = client.get("/IMRF2022/").get_data(as_text=True)
    assert html.index("Conference Room 4 ·") < html.index("Conference Room 6 ·") \
        < html.index("Conference Room 11 ·")
    assert "accreditations approved" in html
    auth.logout()
    auth.login("delegate@demo.forumdesk.example")
    html = client.get("/IMRF2022/").get_data(as_text=True)
    assert "accreditations approved" not in html
    assert "United Nations Headquarters" in html


def test_a_delegate_sees_only_their_own_row_of_the_delegation(demo_forum, client, auth):
    auth.login("delegate@demo.forumdesk.example")
    r = client.get("/IMRF2022/delegations/")
    assert r.status_code == 302  # straight to their own delegation
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Aki-Sawyerr" in html
    assert "Kamara" not in html  # the mayor's adviser, same delegation
