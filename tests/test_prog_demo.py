"""The IMRF 2022 demo forum shows the real pressure of 17 May 2022."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from delegations.db import db
from delegations.models import Delegate, Role
from schedule.clashes import ClashKind, forum_clashes

COORDINATOR = "coordinator@demo.forumdesk.example"
DSG = "Mayoral meeting with the UN Deputy Secretary-General (Amina J. Mohammed)"
LRG = "UCLG Global Taskforce Local and Regional Governments Day"


def _double(clashes: list[Any]) -> dict[frozenset[str], set[str]]:
    out: dict[frozenset[str], set[str]] = {}
    for c in clashes:
        if c.kind == ClashKind.PERSON_DOUBLE_BOOKED:
            out.setdefault(frozenset(s.name for s in c.sessions), set()).update(
                p.name for p in c.people)
    return out


def test_demo_17_may_double_bookings_are_found(demo_forum: Any) -> None:
    clashes = forum_clashes(demo_forum)
    double = _double(clashes)
    # Dhaka North's mayor: Roundtable 1 (Conference Room 4) vs the DSG meeting.
    assert "Md. Atiqul Islam" in double[frozenset({"Roundtable 1", DSG})]
    # Entebbe's mayor: Roundtable 2 vs the Africa Europe Mayors Dialogue.
    assert "Fabrice Brad Rulinda" in double[frozenset({"Roundtable 2",
                                                        "Africa Europe Mayors Dialogue"})]
    # The LRG Day participants wanted at the DSG meeting.
    assert double[frozenset({LRG, DSG})] == {
        "Yvonne Aki-Sawyerr", "Nkosenhle Madlala", "Philippe Rio", "Ricardo Rio",
        "Marta Suplicy", "Alexander Vandersmissen"}
    # Freetown's mayor also runs from the Board meeting into the LRG Day.
    assert "Yvonne Aki-Sawyerr" in double[frozenset({"MMC Annual Leadership Board Meeting",
                                                      LRG})]
    # Dhaka North: Board meeting at the Church Center ends 10:00, Roundtable 1 at UN HQ
    # starts 10:00, and the walk takes 10 minutes.
    travel = [c for c in clashes if c.kind == ClashKind.TRAVEL_TIME
              and {s.name for s in c.sessions} == {"MMC Annual Leadership Board Meeting",
                                                   "Roundtable 1"}]
    assert len(travel) == 1 and travel[0].people[0].name == "Md. Atiqul Islam"
    assert "0 min" in travel[0].message and "10 min" in travel[0].message


def test_demo_clashes_page_and_cli(demo_forum: Any, client: Any, auth: Any,
                                   runner: Any) -> None:
    auth.login(COORDINATOR)
    page = client.get(f"/{demo_forum.short_name}/clashes/").get_data(as_text=True)
    assert "Md. Atiqul Islam is in" in page and "Roundtable 1" in page
    assert "Too little travel time" in page
    only = client.get(f"/{demo_forum.short_name}/clashes/?kind=travel_time").get_data(
        as_text=True)
    assert "Too little travel time" in only and "Person in two places</strong>" not in only
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
