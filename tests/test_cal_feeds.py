"""iCalendar feeds: every kind parses (ical-check: ical.js + vobject; and icalendar), times
land right in Dhaka, updates arrive in place (UID kept, SEQUENCE up, CANCELLED kept)."""

from __future__ import annotations

from datetime import date, time

import pytest
from icalendar import Calendar

from delegations.db import db
from delegations.models import Role
from delegations.timeutil import local_to_utc, zone
from schedule.models import SessionStatus, SpeakerRole, SpeakerSlot
from schedule.services import cancel_session, update_session
from tests.cal_support import ical_check, parse_ics


def ny(day: int, hh: int, mm: int = 0):
    return local_to_utc(date(2022, 5, day), time(hh, mm), "America/New_York")


@pytest.fixture
def world(make_forum, make_delegation, make_delegate, make_venue, make_session, make_user):
    """A New York forum: two delegations, a public session, a private bilateral."""
    forum = make_forum(short_name="NY22")
    venue = make_venue(forum, rooms=2, name="UN Headquarters", address="405 East 42nd Street")
    dhaka = make_delegation(forum, name="Dhaka North", country="BD", region="Asia")
    freetown = make_delegation(forum, name="Freetown")
    mayor = make_delegate(dhaka, given_names="Md. Atiqul", family_name="Islam",
                          honorific="Mayor", home_timezone="Asia/Dhaka",
                          email="atiqul@example.org", function="Mayor of Dhaka North")
    yvonne = make_delegate(freetown, given_names="Yvonne", family_name="Aki-Sawyerr",
                           honorific="Mayor", home_timezone="Africa/Freetown")
    plenary = make_session(forum, start=ny(17, 10), end=ny(17, 11, 30), title="Opening plenary",
                           room=venue.rooms[0], speakers=[mayor, yvonne], chairs="PGA")
    bilateral = make_session(forum, start=ny(18, 9), end=ny(18, 9, 45),
                             title="Bilateral: Dhaka North – Freetown", private=True,
                             room=venue.rooms[1], speakers=[mayor, yvonne])
    other = make_session(forum, start=ny(19, 15), end=ny(19, 16), title="Roundtable 2",
                         room=venue.rooms[0])
    secret = make_session(forum, start=ny(19, 17), end=ny(19, 18),
                          title="Private meeting of others", private=True)
    db.session.commit()
    return {"forum": forum, "dhaka": dhaka, "freetown": freetown, "mayor": mayor,
            "yvonne": yvonne, "plenary": plenary, "bilateral": bilateral, "other": other,
            "secret": secret, "coordinator": make_user(Role.COORDINATOR, email="c@example.org"),
            "delegate_user": make_user(Role.DELEGATE, email="mayor@example.org", delegate=mayor),
            "focal": make_user(Role.FOCAL_POINT, email="fp@example.org", delegation=dhaka)}


def summaries(events) -> set[str]:
    return {str(e["SUMMARY"]) for e in events}


def test_every_feed_kind_passes_the_checkers(client, auth, world, tmp_path):
    auth.login("c@example.org")
    f = "NY22"
    urls = {
        "forum": f"/{f}/calendar/forum.ics",
        "delegation": f"/{f}/calendar/delegations/{world['dhaka'].id}.ics",
        "delegate": f"/{f}/calendar/delegates/{world['mayor'].id}.ics",
        "session": f"/{f}/calendar/sessions/{world['plenary'].id}.ics",
    }
    expected = {"forum": 4, "delegation": 2, "delegate": 2, "session": 1}
    for kind, url in urls.items():
        r = client.get(url)
        assert r.status_code == 200, kind
        assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
        events = parse_ics(r.data)
        assert len(events) == expected[kind], kind
        cal = Calendar.from_ical(r.data)
        assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["America/New_York"]
        assert cal.get("X-WR-CALNAME") and cal.get("REFRESH-INTERVAL") and cal.get("X-PUBLISHED-TTL")
        for e in events:
            assert e["DTSTART"].params["TZID"] == "America/New_York"
            assert e["DTEND"].params["TZID"] == "America/New_York"
            for prop in ("UID", "DTSTAMP", "SEQUENCE", "LAST-MODIFIED", "STATUS", "SUMMARY",
                         "LOCATION", "DESCRIPTION", "URL"):
                assert prop in e, (kind, prop)
        checked = ical_check(r.data, tmp_path, expect_events=expected[kind])
        if checked is not None:
            assert len({e["uid"] for e in checked}) == expected[kind]


def test_description_location_and_url(client, auth, world):
    auth.login("mayor@example.org")
    r = client.get(f"/NY22/calendar/delegates/{world['mayor'].id}.ics")
    ev = next(e for e in parse_ics(r.data) if str(e["SUMMARY"]) == "Opening plenary")
    assert str(ev["LOCATION"]).startswith("Room ")
    assert "UN Headquarters, 405 East 42nd Street" in str(ev["LOCATION"])
    desc = str(ev["DESCRIPTION"])
    assert "Side event" in desc and "Chairs: PGA" in desc
    assert "Your role: Speaker, speaking 1st, 5 min" in desc
    assert "Mayor Yvonne Aki-Sawyerr" in desc  # co-speaker
    assert str(ev["URL"]).startswith("http://localhost/NY22/")
    assert str(ev["UID"]) == world["plenary"].uid


def test_dhaka_sees_new_york_may_times(client, auth, world, tmp_path):
    auth.login("mayor@example.org")
    r = client.get(f"/NY22/calendar/delegates/{world['mayor'].id}.ics")
    # 10:00 EDT (UTC-4) on 17 May is 20:00 in Dhaka (UTC+6)
    for e in parse_ics(r.data):
        if str(e["SUMMARY"]) == "Opening plenary":
            local = e["DTSTART"].dt.astimezone(zone("Asia/Dhaka"))
            assert local.strftime("%Y-%m-%d %H:%M") == "2022-05-17 20:00"
    checked = ical_check(r.data, tmp_path, tz="Asia/Dhaka", expect_events=2)
    if checked is not None:
        by = {e["summary"]: e for e in checked}
        assert by["Opening plenary"]["start_local"] == "2022-05-17T20:00+06:00"
        assert by["Opening plenary"]["end_local"] == "2022-05-17T21:30+06:00"
        assert by["Bilateral: Dhaka North – Freetown"]["start_local"] == "2022-05-18T19:00+06:00"


def test_dhaka_sees_sydney_times_across_the_april_changeover(
        client, auth, make_forum, make_delegation, make_delegate, make_session, make_user,
        tmp_path):
    """Sydney leaves summer time at 03:00 on 4 April 2027 (AEDT +11 -> AEST +10)."""
    forum = make_forum(short_name="SYD27", timezone="Australia/Sydney",
                       start_date=date(2027, 4, 2), end_date=date(2027, 4, 6))
    person = make_delegate(make_delegation(forum), home_timezone="Asia/Dhaka")
    syd = "Australia/Sydney"
    make_session(forum, title="Before", speakers=[person],
                 start=local_to_utc(date(2027, 4, 3), time(10), syd),
                 end=local_to_utc(date(2027, 4, 3), time(11), syd))
    make_session(forum, title="Changeover day", speakers=[person],
                 start=local_to_utc(date(2027, 4, 4), time(10), syd),
                 end=local_to_utc(date(2027, 4, 4), time(11), syd))
    make_session(forum, title="After", speakers=[person],
                 start=local_to_utc(date(2027, 4, 5), time(10), syd),
                 end=local_to_utc(date(2027, 4, 5), time(11), syd))
    make_user(Role.COORDINATOR, email="c@example.org")
    auth.login("c@example.org")
    r = client.get(f"/SYD27/calendar/delegates/{person.id}.ics")
    events = parse_ics(r.data)
    want = {"Before": "2027-04-03 05:00",  # 10:00 AEDT = 23:00Z on the 2nd = 05:00 Dhaka
            "Changeover day": "2027-04-04 06:00",  # 10:00 AEST = 00:00Z = 06:00 Dhaka
            "After": "2027-04-05 06:00"}
    for e in events:
        got = e["DTSTART"].dt.astimezone(zone("Asia/Dhaka")).strftime("%Y-%m-%d %H:%M")
        assert got == want[str(e["SUMMARY"])]
    checked = ical_check(r.data, tmp_path, tz="Asia/Dhaka", expect_events=3)
    if checked is not None:
        got = {e["summary"]: e["start_local"] for e in checked}
        assert got == {"Before": "2027-04-03T05:00+06:00",
                       "Changeover day": "2027-04-04T06:00+06:00",
                       "After": "2027-04-05T06:00+06:00"}


def test_moving_raises_sequence_and_keeps_uid(client, auth, world, tmp_path):
    auth.login("mayor@example.org")
    url = f"/NY22/calendar/delegates/{world['mayor'].id}.ics"
    before = {str(e["UID"]): e for e in parse_ics(client.get(url).data)}
    s = world["plenary"]
    update_session(s, None, starts_at=ny(17, 14), ends_at=ny(17, 15, 30))
    db.session.commit()
    after = {str(e["UID"]): e for e in parse_ics(client.get(url).data)}
    assert before.keys() == after.keys()
    assert int(after[s.uid]["SEQUENCE"]) == int(before[s.uid]["SEQUENCE"]) + 1
    assert after[s.uid]["DTSTART"].dt.astimezone(zone("America/New_York")).hour == 14
    other_uid = world["bilateral"].uid
    assert int(after[other_uid]["SEQUENCE"]) == int(before[other_uid]["SEQUENCE"])
    checked = ical_check(client.get(url).data, tmp_path, tz="Asia/Dhaka")
    if checked is not None:
        moved = next(e for e in checked if e["uid"] == s.uid)
        assert moved["sequence"] == 1 and moved["start_local"] == "2022-05-18T00:00+06:00"


def test_cancelled_session_stays_in_the_feed(client, auth, world, tmp_path):
    auth.login("mayor@example.org")
    url = f"/NY22/calendar/delegates/{world['mayor'].id}.ics"
    cancel_session(world["bilateral"], None)
    db.session.commit()
    events = {str(e["UID"]): e for e in parse_ics(client.get(url).data)}
    ev = events[world["bilateral"].uid]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert int(ev["SEQUENCE"]) == 1
    assert str(events[world["plenary"].uid]["STATUS"]) == "CONFIRMED"
    checked = ical_check(client.get(url).data, tmp_path, expect_events=2)
    if checked is not None:  # ical.js and vobject both still see the cancelled event
        assert world["bilateral"].uid in {e["uid"] for e in checked}


def test_private_meetings_only_in_the_feeds_of_people_in_them(client, auth, world):
    f = "NY22"
    auth.login("fp@example.org")  # Dhaka North's focal point
    titles = summaries(parse_ics(client.get(f"/{f}/calendar/forum.ics").data))
    assert "Bilateral: Dhaka North – Freetown" in titles
    assert "Private meeting of others" not in titles
    auth.logout()
    auth.login("c@example.org")
    from schedule.ical import _load, feed_statement

    public = summaries([{"SUMMARY": s.title} for s in _load(feed_statement(world["forum"]))])
    assert public == {"Opening plenary", "Roundtable 2"}
    # a session feed of a private session is 404 for someone not in it
    auth.logout()
    auth.login("mayor@example.org")
    assert client.get(f"/{f}/calendar/sessions/{world['secret'].id}.ics").status_code == 404
    assert client.get(f"/{f}/calendar/sessions/{world['bilateral'].id}.ics").status_code == 200


def test_etag_last_modified_and_304(client, auth, world):
    auth.login("mayor@example.org")
    url = f"/NY22/calendar/delegates/{world['mayor'].id}.ics"
    r = client.get(url)
    etag, lm = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag and lm
    r2 = client.get(url, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.data == b""
    assert client.get(url, headers={"If-Modified-Since": lm}).status_code == 304
    # unchanged data: the very same bytes (the stored rendering)
    assert client.get(url).data == r.data
    update_session(world["plenary"], None, title="Opening plenary (new title)")
    db.session.commit()
    r3 = client.get(url, headers={"If-None-Match": etag})
    assert r3.status_code == 200 and r3.headers["ETag"] != etag
    assert b"Opening plenary (new title)" in r3.data


def test_role_of_a_participant_and_speaking_order(client, auth, world, make_session):
    s = world["other"]
    s.speaker_slots.append(SpeakerSlot(delegate=world["mayor"], role=SpeakerRole.MODERATOR,
                                       order=2, minutes=7))
    db.session.commit()
    auth.login("mayor@example.org")
    events = parse_ics(client.get(f"/NY22/calendar/delegates/{world['mayor'].id}.ics").data)
    ev = next(e for e in events if str(e["SUMMARY"]) == "Roundtable 2")
    assert "Your role: Moderator, speaking 2nd, 7 min" in str(ev["DESCRIPTION"])


def test_cli_export_gives_the_feed_bytes_but_dtstamp(app, client, auth, runner, world,
                                                     tmp_path):
    app.config["PUBLIC_BASE_URL"] = "http://localhost/"
    auth.login("c@example.org")

    def strip(data: bytes) -> bytes:
        return b"\r\n".join(x for x in data.split(b"\r\n") if not x.startswith(b"DTSTAMP"))

    cases = [
        (["--delegate", "atiqul@example.org"], f"/NY22/calendar/delegates/{world['mayor'].id}.ics"),
        (["--delegation", "Dhaka North"], f"/NY22/calendar/delegations/{world['dhaka'].id}.ics"),
        (["--session", str(world["plenary"].id)],
         f"/NY22/calendar/sessions/{world['plenary'].id}.ics"),
    ]
    for args, url in cases:
        out = tmp_path / "out.ics"
        app.extensions.pop("forum_desk_ical_cache", None)  # render anew: a new DTSTAMP
        res = runner.invoke(args=["calendar", "export", *args, "--out", str(out)])
        assert res.exit_code == 0, res.output
        app.extensions.pop("forum_desk_ical_cache", None)
        web = client.get(url).data
        assert strip(out.read_bytes()) == strip(web), args
    out = tmp_path / "forum.ics"
    res = runner.invoke(args=["calendar", "export", "--forum", "NY22", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert summaries(parse_ics(out.read_bytes())) == {"Opening plenary", "Roundtable 2"}
    res = runner.invoke(args=["calendar", "export", "--out", str(out)])
    assert res.exit_code != 0
    res = runner.invoke(args=["calendar", "export", "--session",
                              str(world["secret"].id), "--out", str(out)])
    assert res.exit_code != 0 and "private" in res.output


def test_tentative_status(client, auth, world):
    world["other"].status = SessionStatus.TENTATIVE
    db.session.commit()
    auth.login("c@example.org")
    events = parse_ics(client.get("/NY22/calendar/forum.ics").data)
    assert {str(e["SUMMARY"]): str(e["STATUS"]) for e in events}["Roundtable 2"] == "TENTATIVE"


def test_programme_feed_renders_the_same_as_the_plain_path(app, world):
    """The incremental renderer (stored events) gives the bytes of a full render."""
    from schedule.ical import (
        EventCache,
        feed_statement,
        gather_feed,
        render_ics,
        render_programme_ics,
    )

    stamp = world["forum"].created_at
    cache = EventCache()

    def url(s):
        return f"http://localhost/s/{s.id}"

    q = feed_statement(world["forum"])
    full = render_ics(gather_feed(world["forum"]), session_url=url, dtstamp=stamp)
    first = render_programme_ics(world["forum"], world["forum"].name, q, session_url=url,
                                 event_cache=cache, dtstamp=stamp)
    assert first == full
    update_session(world["other"], None, title="Roundtable 2 (moved)")
    db.session.commit()
    again = render_programme_ics(world["forum"], world["forum"].name, q, session_url=url,
                                 event_cache=cache, dtstamp=stamp)
    assert again == render_ics(gather_feed(world["forum"]), session_url=url, dtstamp=stamp)
    assert b"Roundtable 2 (moved)" in again


def test_renaming_a_room_or_a_speaker_reaches_the_feed(client, auth, world):
    """A change outside the session (room name, a co-speaker's name) still updates the
    calendar: the sessions concerned get a new SEQUENCE, and the ETag changes."""
    from delegations import roster
    from schedule.venue_services import save_room

    auth.login("mayor@example.org")
    url = f"/NY22/calendar/delegates/{world['mayor'].id}.ics"
    first = client.get(url)
    before = {str(e["UID"]): e for e in parse_ics(first.data)}
    s = world["plenary"]
    room = s.room
    save_room(room.venue, None, room, name="General Assembly Hall (renamed)")
    db.session.commit()
    second = client.get(url)
    after = {str(e["UID"]): e for e in parse_ics(second.data)}
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "General Assembly Hall (renamed)" in str(after[s.uid]["LOCATION"])
    assert int(after[s.uid]["SEQUENCE"]) == int(before[s.uid]["SEQUENCE"]) + 1

    roster.update_delegate(world["yvonne"], {"family_name": "Aki-Sawyerr OBE"}, None)
    db.session.commit()
    third = {str(e["UID"]): e for e in parse_ics(client.get(url).data)}
    assert "Aki-Sawyerr OBE" in str(third[s.uid]["DESCRIPTION"])
    assert int(third[s.uid]["SEQUENCE"]) == int(after[s.uid]["SEQUENCE"]) + 1
    other = world["other"].uid  # Roundtable 2: nobody renamed speaks there
    assert other not in third or int(third[other]["SEQUENCE"]) == 0


def test_anonymous_feeds_carry_public_sessions_only(client, auth, world, tmp_path):
    """Anyone may subscribe to the forum's programme (or add one session) without a login:
    public sessions only; the same URL logged in as a coordinator shows private ones too."""
    anon = client.get("/NY22/calendar/forum.ics")
    assert anon.status_code == 200
    assert anon.headers["Content-Type"] == "text/calendar; charset=utf-8"
    titles = summaries(parse_ics(anon.data))
    assert {"Opening plenary", "Roundtable 2"} <= titles
    assert not titles & {"Bilateral: Dhaka North – Freetown", "Private meeting of others"}
    ical_check(anon.data, tmp_path, expect_events=len(titles))
    assert client.get(f"/NY22/calendar/sessions/{world['plenary'].id}.ics").status_code == 200
    assert client.get(f"/NY22/calendar/sessions/{world['secret'].id}.ics").status_code == 404
    # delegate and delegation feeds still need a login (or a secret link)
    r = client.get(f"/NY22/calendar/delegates/{world['mayor'].id}.ics")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    auth.login("c@example.org")
    titles = summaries(parse_ics(client.get("/NY22/calendar/forum.ics").data))
    assert "Private meeting of others" in titles


def test_calendar_page_offers_the_public_programme_link(client, auth, world):
    auth.login("mayor@example.org")
    page = client.get("/NY22/calendar/").get_data(as_text=True)
    assert 'href="webcal://localhost/NY22/calendar/forum.ics"' in page
