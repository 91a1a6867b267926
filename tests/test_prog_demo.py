"""The IMRF 2022 demo forum shows the real pressure of 17 May 2022."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from delegations.db import db
from delegations.models import Delegate, Role
from schedule.clashes import ClashKind, forum_clashes
from schedule.models import Session

COORDINATOR = "coordinator@demo.forumdesk.example"
DSG = "Mayoral meeting with the UN Deputy Secretary-General (Amina J. Mohammed)"
LRG = "UCLG Global Taskforce Local and Regional Governments Day"
PGA = "Mayoral meeting with the President of the General Assembly (Abdulla Shahid)"


def _double(clashes: list[Any]) -> dict[frozenset[str], set[str]]:
    out: dict[frozenset[str], set[str]] = {}
    for c in clashes:
        if c.kind == ClashKind.PERSON_DOUBLE_BOOKED:
            out.setdefault(frozenset(s.name for s in c.sessions), set()).update(
                p.name for p in c.people)
    return out


def test_demo_double_bookings_come_from_the_record(demo_forum: Any) -> None:
    """The record puts Roundtables 1 and 2 and the policy debate in the official blocks
    (10:00-13:00, 15:00-18:00) and the meetings with the DSG, the Africa Europe dialogue and
    the PGA on the same days: those are the clashes, and no invented overlap is added."""
    clashes = forum_clashes(demo_forum)
    double = _double(clashes)
    assert double == {
        frozenset({"Roundtable 1", DSG}): {"Md. Atiqul Islam"},
        frozenset({"Roundtable 2", "Africa Europe Mayors Dialogue"}): {"Fabrice Brad Rulinda"},
        frozenset({"Policy debate", PGA}): {"Yvonne Aki-Sawyerr"},
    }
    assert {c.kind for c in clashes} == {ClashKind.PERSON_DOUBLE_BOOKED}


def test_the_taskforce_day_is_followed_by_the_dsg_exchange(demo_forum: Any) -> None:
    lrg = db.session.scalar(sa.select(Session).where(Session.title == LRG))
    dsg = db.session.scalar(sa.select(Session).where(Session.title == DSG))
    assert lrg.ends_at <= dsg.starts_at


def test_demo_clashes_page_and_cli(demo_forum: Any, client: Any, auth: Any,
                                   runner: Any) -> None:
    auth.login(COORDINATOR)
    page = client.get(f"/{demo_forum.short_name}/clashes/").get_data(as_text=True)
    assert "Md. Atiqul Islam is in" in page and "Roundtable 1" in page
    only = client.get(f"/{demo_forum.short_name}/clashes/?kind=travel_time").get_data(
        as_text=True)
    assert "Md. Atiqul Islam is in" not in only
    overview = client.get(f"/{demo_forum.short_name}/").get_data(as_text=True)
    assert "clash errors" in overview
    res = runner.invoke(args=["schedule", "clashes", "--forum", "IMRF2022", "--json"])
    data = json.loads(res.output)
    assert any(c["kind"] == "person_double_booked" and c["severity"] == "error"
               and any(p["name"] == "Fabrice Brad Rulinda" for p in c["people"])
               for c in data)


def test_demo_grid_for_17_may(demo_forum: Any, client: Any, auth: Any) -> None:
    auth.login(COORDINATOR)
    page = client.get(f"/{demo_forum.short_name}/grid/?day=2022-05-17").get_data(as_text=True)
    assert "Conference Room 4" in page
    assert "Roundtable 1" in page and "10:00–13:00" in page
    assert "Africa Europe Mayors Dialogue" in page  # private, but a coordinator sees it


def test_private_sessions_only_for_the_people_in_them(demo_forum: Any, client: Any,
                                                      auth: Any, make_user: Any) -> None:
    mechelen = db.session.scalar(sa.select(Delegate).where(
        Delegate.family_name == "Vandersmissen"))
    make_user(Role.DELEGATE, email="mechelen@example.org", delegate=mechelen)
    auth.login("mechelen@example.org")
    page = client.get(f"/{demo_forum.short_name}/grid/?day=2022-05-17").get_data(as_text=True)
    assert "Deputy Secretary-General" in page  # he is in it
    assert "Africa Europe Mayors Dialogue" not in page
    assert "MMC Annual Leadership Board Meeting" not in page
    assert "Roundtable 2" in page  # public
    agenda = client.get(f"/{demo_forum.short_name}/my-agenda/").get_data(as_text=True)
    assert "Making Social Cohesion Work for Everyone" in agenda
    assert "Africa Europe" not in agenda
    # Freetown's focal point sees Freetown's private meetings.
    auth.logout()
    auth.login("focal.freetown@demo.forumdesk.example")
    page = client.get(f"/{demo_forum.short_name}/grid/?day=2022-05-17").get_data(as_text=True)
    assert "Africa Europe Mayors Dialogue" in page
