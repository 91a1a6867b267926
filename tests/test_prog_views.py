"""The programme in the browser's terms: editing, speakers, agendas, time zones, access."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import ChangeLog, Role
from schedule.models import Room, Session, SessionKind, SessionStatus, SpeakerSlot, Venue


@pytest.fixture
def setup(app: Any, make_forum: Any, make_venue: Any, make_delegation: Any,
          make_delegate: Any, make_user: Any) -> dict[str, Any]:
    f = make_forum(short_name="NY22")
    venue = make_venue(f, rooms=2, name="UN Headquarters")
    d = make_delegation(f, name="Freetown")
    other = make_delegation(f, name="Dhaka North")
    mayor = make_delegate(d, given_names="Yvonne", family_name="Aki-Sawyerr",
                          home_timezone="Africa/Freetown")
    islam = make_delegate(other, given_names="Md. Atiqul", family_name="Islam")
    users = {
        "coordinator": make_user(Role.COORDINATOR, email="c@example.org"),
        "admin": make_user(Role.ADMIN, email="a@example.org"),
        "focal_point": make_user(Role.FOCAL_POINT, email="fp@example.org", delegation=d),
        "delegate": make_user(Role.DELEGATE, email="del@example.org", delegate=mayor),
    }
    db.session.commit()
    return {"forum": f, "venue": venue, "rooms": venue.rooms, "delegation": d,
            "other": other, "mayor": mayor, "islam": islam, "users": users}


def _new_session(client: Any, room: Room | None, **kw: Any) -> Any:
    data = {"title": "Roundtable 1", "kind": "roundtable", "status": "confirmed",
            "room_id": str(room.id) if room else "", "starts": "2022-05-17T10:00",
            "ends": "2022-05-17T13:00", "official": "y"}
    data.update(kw)
    return client.post("/NY22/sessions/new", data=data)


def test_coordinator_builds_a_session_in_venue_time(setup: Any, client: Any,
                                                    auth: Any) -> None:
    auth.login("c@example.org")
    r = _new_session(client, setup["rooms"][0])
    assert r.status_code == 302
    s = db.session.scalar(sa.select(Session).where(Session.title == "Roundtable 1"))
    # 10:00 EDT is 14:00 UTC.
    assert s.starts_at == datetime(2022, 5, 17, 14, 0, tzinfo=UTC)
    assert s.revision == 1
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "10:00" in page and "13:00" in page
    # Same room, overlapping: a clear error, and the form keeps what was typed.
    r = _new_session(client, setup["rooms"][0], title="Press conference",
                     starts="2022-05-17T12:00", ends="2022-05-17T12:30")
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "is already booked at that time" in body and "Roundtable 1" in body
    assert 'value="Press conference"' in body and 'value="2022-05-17T12:00"' in body
    # Edit: move it; revision bumps, change log records it.
    r = client.post(f"/NY22/sessions/{s.id}/edit", data={
        "title": "Roundtable 1", "kind": "roundtable", "status": "tentative",
        "room_id": str(setup["rooms"][1].id), "starts": "2022-05-17T10:30",
        "ends": "2022-05-17T13:00"})
    assert r.status_code == 302
    db.session.expire_all()
    s = db.session.get(Session, s.id)
    assert s.revision == 2 and s.status == SessionStatus.TENTATIVE
    assert s.room_id == setup["rooms"][1].id
    # Cancel keeps the session.
    assert client.post(f"/NY22/sessions/{s.id}/cancel").status_code == 302
    db.session.expire_all()
    s = db.session.get(Session, s.id)
    assert s.status == SessionStatus.CANCELLED and s.revision == 3
    assert db.session.scalar(sa.select(sa.func.count(ChangeLog.id)).where(
        ChangeLog.entity == "session", ChangeLog.entity_id == s.id)) == 3
    grid = client.get("/NY22/grid/?day=2022-05-17").get_data(as_text=True)
    assert "block" in grid and "cancelled" in grid


def test_end_before_start_is_refused(setup: Any, client: Any, auth: Any) -> None:
    auth.login("c@example.org")
    r = _new_session(client, None, starts="2022-05-17T13:00", ends="2022-05-17T10:00")
    assert r.status_code == 422 and "must end after it starts" in r.get_data(as_text=True)
    r = _new_session(client, None, starts="tomorrow")
    assert r.status_code == 422 and "2022-05-17 10:00" in r.get_data(as_text=True)


def test_assigning_a_busy_speaker_shows_the_clash_and_asks(setup: Any, client: Any,
                                                          auth: Any,
                                                          make_session: Any) -> None:
    f, islam = setup["forum"], setup["islam"]
    busy = make_session(f, title="DSG meeting", start=datetime(2022, 5, 17, 15, 30, tzinfo=UTC),
                        end=datetime(2022, 5, 17, 16, 30, tzinfo=UTC), speakers=[islam])
    target = make_session(f, title="Roundtable 1",
                          start=datetime(2022, 5, 17, 14, tzinfo=UTC),
                          end=datetime(2022, 5, 17, 17, tzinfo=UTC))
    db.session.commit()
    auth.login("c@example.org")
    # Search by city.
    page = client.get(f"/NY22/sessions/{target.id}/speakers/add?q=dhaka").get_data(
        as_text=True)
    assert "Md. Atiqul Islam" in page
    page = client.get(f"/NY22/sessions/{target.id}/speakers/add?q=ISLAM").get_data(
        as_text=True)
    assert "Md. Atiqul Islam" in page and "Aki-Sawyerr" not in page
    # Picking him shows the clash before saving.
    page = client.get(f"/NY22/sessions/{target.id}/speakers/add?delegate_id={islam.id}"
                      ).get_data(as_text=True)
    assert "would create 1 clash" in page and "DSG meeting" in page
    # Saving without confirming does not save; it asks.
    data = {"delegate_id": str(islam.id), "role": "panellist", "order": "1", "minutes": "5"}
    r = client.post(f"/NY22/sessions/{target.id}/speakers/add", data=data)
    assert r.status_code == 200 and "Save anyway" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SpeakerSlot.id)).where(
        SpeakerSlot.session_id == target.id)) == 0
    r = client.post(f"/NY22/sessions/{target.id}/speakers/add", data=data | {"confirm": "1"})
    assert r.status_code == 302
    slot = db.session.scalar(sa.select(SpeakerSlot).where(SpeakerSlot.session_id == target.id))
    assert slot.delegate_id == islam.id and slot.role.value == "panellist"
    # A free speaker is saved at once.
    mayor = setup["mayor"]
    page = client.get(f"/NY22/sessions/{target.id}/speakers/add?delegate_id={mayor.id}"
                      ).get_data(as_text=True)
    assert "No clash" in page
    r = client.post(f"/NY22/sessions/{target.id}/speakers/add",
                    data={"delegate_id": str(mayor.id), "role": "speaker"})
    assert r.status_code == 302
    # An external guest.
    r = client.post(f"/NY22/sessions/{busy.id}/speakers/add",
                    data={"guest_name": "Amina J. Mohammed", "guest_function": "DSG",
                          "role": "keynote"})
    assert r.status_code == 302
    # Remove.
    r = client.post(f"/NY22/sessions/{target.id}/speakers/remove", data={"slot_id": slot.id})
    assert r.status_code == 302
    assert db.session.get(SpeakerSlot, slot.id) is None
    # From the delegate's side: "add to session".
    page = client.get(f"/NY22/delegates/{islam.id}/add-to-session").get_data(as_text=True)
    assert "Roundtable 1" in page and "already in it" in page


def test_venues_rooms_and_travel(setup: Any, client: Any, auth: Any) -> None:
    auth.login("c@example.org")
    r = client.post("/NY22/venues/new", data={
        "name": "Church Center for the United Nations", "address": "777 UN Plaza",
        f"travel-{setup['venue'].id}": "10"})
    assert r.status_code == 302
    church = db.session.scalar(sa.select(Venue).where(Venue.name.like("Church%")))
    page = client.get("/NY22/venues/").get_data(as_text=True)
    assert "10 min" in page
    r = client.post(f"/NY22/venues/{church.id}/rooms/new", data={
        "name": "Chapel", "capacity": "60", "interpretation_languages": "en, fr"})
    assert r.status_code == 302
    room = db.session.scalar(sa.select(Room).where(Room.name == "Chapel"))
    r = client.post(f"/NY22/rooms/{room.id}/edit", data={"name": "Chapel", "capacity": "-3"})
    assert r.status_code == 200 and "Number must be at least 0" in r.get_data(as_text=True)
    r = client.post(f"/NY22/venues/{church.id}/edit", data={
        "name": "Church Center for the United Nations",
        f"travel-{setup['venue'].id}": "ten"})
    assert r.status_code == 422 and "whole number" in r.get_data(as_text=True)


MANAGER_PAGES = ["/NY22/clashes/", "/NY22/sessions/new", "/NY22/venues/",
                 "/NY22/venues/new"]


@pytest.mark.parametrize("role", ["coordinator", "admin", "focal_point", "delegate"])
def test_access_rules(setup: Any, client: Any, auth: Any, role: str,
                      make_session: Any) -> None:
    f = setup["forum"]
    private = make_session(f, title="Private with Dhaka", private=True,
                           kind=SessionKind.PRIVATE_MEETING, speakers=[setup["islam"]])
    own = make_session(f, title="Freetown private", private=True,
                       start=datetime(2022, 5, 17, 18, tzinfo=UTC),
                       kind=SessionKind.PRIVATE_MEETING, speakers=[setup["mayor"]])
    db.session.commit()
    auth.login(setup["users"][role].email)
    manager = role in ("coordinator", "admin")
    for url in MANAGER_PAGES + [f"/NY22/sessions/{private.id}/edit",
                                f"/NY22/sessions/{own.id}/speakers/add",
                                f"/NY22/delegates/{setup['islam'].id}/add-to-session",
                                f"/NY22/venues/{setup['venue'].id}/edit",
                                f"/NY22/rooms/{setup['rooms'][0].id}/edit"]:
        assert client.get(url).status_code == (200 if manager else 403), url
    assert client.post(f"/NY22/sessions/{own.id}/cancel").status_code == (
        302 if manager else 403)
    # Private sessions: managers and the people in them.
    assert client.get(f"/NY22/sessions/{private.id}/").status_code == (
        200 if manager else 404)
    assert client.get(f"/NY22/sessions/{own.id}/").status_code == 200
    grid = client.get("/NY22/grid/?day=2022-05-17").get_data(as_text=True)
    assert ("Private with Dhaka" in grid) == manager
    # Agendas: own ones only.
    assert client.get(f"/NY22/delegates/{setup['mayor'].id}/agenda").status_code == 200
    assert client.get(f"/NY22/delegates/{setup['islam'].id}/agenda").status_code == (
        200 if manager else 403)
    assert client.get(f"/NY22/delegations/{setup['delegation'].id}/agenda").status_code == 200
    assert client.get(f"/NY22/delegations/{setup['other'].id}/agenda").status_code == (
        200 if manager else 403)
    mine = client.get("/NY22/my-agenda/")
    assert mine.status_code == 200
    if not manager:
        assert "Freetown private" in mine.get_data(as_text=True)


def test_anonymous_is_sent_to_login(setup: Any, client: Any) -> None:
    for url in ["/NY22/grid/", "/NY22/clashes/", "/NY22/my-agenda/"]:
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


# ----------------------------------------------------------------------------- time zones


def test_sydney_forum_across_the_end_of_summer_time(app: Any, client: Any, auth: Any,
                                                    make_forum: Any, make_venue: Any,
                                                    make_delegation: Any, make_delegate: Any,
                                                    make_user: Any) -> None:
    """Sydney 1-6 April 2027: AEDT (UTC+11) until 03:00 on 4 April, then AEST (UTC+10)."""
    f = make_forum(short_name="SYD27", timezone="Australia/Sydney",
                   start_date=date(2027, 4, 1), end_date=date(2027, 4, 6))
    room = make_venue(f, name="ICC Sydney").rooms[0]
    d = make_delegation(f, name="London")
    london = make_delegate(d, given_names="Sadiq", family_name="Khan",
                           home_timezone="Europe/London")
    kolkata = make_delegate(d, given_names="Kolkata", family_name="Delegate",
                            home_timezone="Asia/Kolkata")
    make_user(Role.COORDINATOR, email="syd@example.org")
    make_user(Role.DELEGATE, email="khan@example.org", delegate=london)
    make_user(Role.DELEGATE, email="kol@example.org", delegate=kolkata)
    db.session.commit()
    auth.login("syd@example.org")
    for day in ("2027-04-03", "2027-04-05"):
        r = client.post("/SYD27/sessions/new", data={
            "title": f"Session {day}", "kind": "plenary", "status": "confirmed",
            "room_id": str(room.id), "starts": f"{day}T09:00", "ends": f"{day}T10:30"})
        assert r.status_code == 302, r.get_data(as_text=True)
    before = db.session.scalar(sa.select(Session).where(Session.title == "Session 2027-04-03"))
    after = db.session.scalar(sa.select(Session).where(Session.title == "Session 2027-04-05"))
    assert before.starts_at == datetime(2027, 4, 2, 22, 0, tzinfo=UTC)  # 09:00 AEDT
    assert after.starts_at == datetime(2027, 4, 4, 23, 0, tzinfo=UTC)  # 09:00 AEST
    for s in (before, after):
        s.speaker_slots.append(SpeakerSlot(delegate=london, role="speaker"))
        s.speaker_slots.append(SpeakerSlot(delegate=kolkata, role="speaker"))
    db.session.commit()
    # Venue time is 09:00 on both sides of the change, in the grid and the agenda.
    for day in ("2027-04-03", "2027-04-05"):
        grid = client.get(f"/SYD27/grid/?day={day}").get_data(as_text=True)
        assert "09:00–10:30" in grid
    # The 23- or 25-hour day: 4 April has 25 hours in Sydney and the grid still draws it.
    assert client.get("/SYD27/grid/?day=2027-04-04").status_code == 200
    auth.logout()
    # London is on BST (UTC+1) all week (its change was 28 March): 09:00 AEDT = 23:00 BST
    # the day before; 09:00 AEST = 00:00 BST the same night.
    auth.login("khan@example.org")
    page = client.get("/SYD27/my-agenda/").get_data(as_text=True)
    assert "Home time (Europe/London)" in page
    assert "23:00–00:30 (+1) BST" in page and "(-1 day)" in page  # ends after midnight
    assert "00:00–01:30 BST" in page
    auth.logout()
    # Kolkata never changes (UTC+5:30): the home column moves by the hour Sydney changed.
    auth.login("kol@example.org")
    page = client.get("/SYD27/my-agenda/").get_data(as_text=True)
    assert "Home time (Asia/Kolkata)" in page
    assert "03:30–05:00 IST" in page  # 09:00 AEDT = 22:00 UTC = 03:30 IST
    assert "04:30–06:00 IST" in page  # 09:00 AEST = 23:00 UTC = 04:30 IST
    # The picker overrides the home zone.
    page = client.get("/SYD27/grid/?day=2027-04-05&tz=Asia/Kolkata").get_data(as_text=True)
    assert "04:30–06:00 IST" in page


def test_edit_a_speaker_slot(setup: Any, client: Any, auth: Any, make_session: Any) -> None:
    s = make_session(setup["forum"], speakers=[setup["islam"]])
    db.session.commit()
    slot = s.speaker_slots[0]
    auth.login("c@example.org")
    page = client.get(f"/NY22/sessions/{s.id}/speakers/edit?slot={slot.id}")
    assert page.status_code == 200 and "Md. Atiqul Islam" in page.get_data(as_text=True)
    assert client.get(f"/NY22/sessions/{s.id}/speakers/edit").status_code == 404
    r = client.post(f"/NY22/sessions/{s.id}/speakers/edit?slot={slot.id}",
                    data={"role": "moderator", "order": "3", "minutes": "12", "remote": "y"})
    assert r.status_code == 302
    db.session.commit()
    slot = db.session.get(SpeakerSlot, slot.id)
    assert (slot.role.value, slot.order, slot.minutes, slot.remote) == ("moderator", 3, 12, True)
    assert db.session.get(Session, s.id).revision == 1


def test_forms_are_split_into_get_and_post_views(app: Any, setup: Any, client: Any,
                                                  auth: Any, make_session: Any) -> None:
    """Style rule (DEVELOPERS.md): no view answers both GET and POST; each form page
    posts to its own POST view at the same URL, keeping the query it needs."""
    both = [rule.rule for rule in app.url_map.iter_rules()
            if {"GET", "POST"} <= (rule.methods or set())]
    assert both == []
    s = make_session(setup["forum"], speakers=[setup["islam"]])
    db.session.commit()
    slot, venue, room = s.speaker_slots[0], setup["venue"], setup["rooms"][0]
    auth.login("c@example.org")
    urls = ["/NY22/sessions/new", f"/NY22/sessions/{s.id}/edit",
            f"/NY22/sessions/{s.id}/speakers/add?q=dhaka",
            f"/NY22/sessions/{s.id}/speakers/edit?slot={slot.id}",
            "/NY22/venues/new", f"/NY22/venues/{venue.id}/edit",
            f"/NY22/venues/{venue.id}/rooms/new", f"/NY22/rooms/{room.id}/edit"]
    adapter = app.url_map.bind("localhost")
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert "<form method=\"post\"" in page.get_data(as_text=True), url
        assert f'action="{url}"' in page.get_data(as_text=True), url
        get_endpoint = adapter.match(url.split("?")[0], method="GET")[0]
        post_endpoint = adapter.match(url.split("?")[0], method="POST")[0]
        assert post_endpoint == get_endpoint + "_post", url


def test_times_the_clocks_skip_or_repeat_are_refused_with_a_reason(
        client: Any, auth: Any, make_forum: Any, make_venue: Any, make_user: Any) -> None:
    """Sydney's clocks go back at 03:00 on 4 April 2027 (02:00-03:00 happens twice); New
    York's go forward at 02:00 on 14 March 2027 (02:00-03:00 does not exist)."""
    syd = make_forum(short_name="SYD", timezone="Australia/Sydney",
                     start_date=date(2027, 4, 1), end_date=date(2027, 4, 6))
    ny = make_forum(short_name="NY27", timezone="America/New_York",
                    start_date=date(2027, 3, 12), end_date=date(2027, 3, 16))
    rooms = {"SYD": make_venue(syd).rooms[0], "NY27": make_venue(ny).rooms[0]}
    make_user(Role.COORDINATOR, email="c@example.org")
    db.session.commit()
    auth.login("c@example.org")

    def post(short: str, starts: str, ends: str) -> Any:
        return client.post(f"/{short}/sessions/new", data={
            "title": "Night session", "kind": "bilateral", "status": "confirmed",
            "room_id": str(rooms[short].id), "starts": starts, "ends": ends})

    r = post("SYD", "2027-04-04T02:30", "2027-04-04T03:30")
    assert r.status_code == 422  # the form again, with the reason beside the field
    assert ("04 Apr 2027 02:30 happens twice in Australia/Sydney: the clocks go back that "
            "night.") in r.get_data(as_text=True)
    r = post("NY27", "2027-03-13T23:30", "2027-03-14T02:30")
    assert "14 Mar 2027 02:30 does not exist in America/New_York" in r.get_data(as_text=True)
    assert 'value="2027-03-13T23:30"' in r.get_data(as_text=True)  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == 0
    # an hour later is fine on both sides
    assert post("NY27", "2027-03-14T03:00", "2027-03-14T04:00").status_code == 302
    assert post("SYD", "2027-04-04T03:00", "2027-04-04T04:00").status_code == 302
