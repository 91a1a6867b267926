"""Clash detection: every kind of the issue, and the travel buffer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from delegations.db import db
from delegations.models import AccreditationStatus
from schedule.clashes import ClashKind, Severity, forum_clashes
from schedule.models import SessionStatus, VenueTravel
from schedule.venue_services import set_travel


def ny(day: int, hh: int, mm: int = 0) -> datetime:
    """17 May 2022 etc. in New York (EDT, UTC-4) as UTC."""
    return datetime(2022, 5, day, hh + 4, mm, tzinfo=UTC)


def kinds(forum: Any) -> list[ClashKind]:
    return [c.kind for c in forum_clashes(forum)]


def test_person_in_two_overlapping_sessions_is_an_error(
        make_forum: Callable[..., Any], make_delegate: Callable[..., Any],
        make_session: Callable[..., Any], make_delegation: Callable[..., Any]) -> None:
    f = make_forum()
    mayor = make_delegate(make_delegation(f), given_names="Md. Atiqul", family_name="Islam")
    make_session(f, title="Roundtable 1", start=ny(17, 10), end=ny(17, 13), speakers=[mayor])
    make_session(f, title="DSG meeting", start=ny(17, 11, 30), end=ny(17, 12, 30),
                 speakers=[mayor])
    make_session(f, title="Later", start=ny(17, 13), end=ny(17, 14), speakers=[mayor])
    clashes = forum_clashes(f)
    assert [c.kind for c in clashes] == [ClashKind.PERSON_DOUBLE_BOOKED]
    c = clashes[0]
    assert c.severity == Severity.ERROR
    assert {s.name for s in c.sessions} == {"Roundtable 1", "DSG meeting"}
    assert [p.name for p in c.people] == ["Md. Atiqul Islam"]
    assert "11:30" in c.message and "Roundtable 1" in c.message


def test_cancelled_sessions_clash_with_nothing(make_forum: Any, make_delegate: Any,
                                               make_session: Any, make_delegation: Any) -> None:
    f = make_forum()
    p = make_delegate(make_delegation(f))
    make_session(f, start=ny(17, 10), end=ny(17, 12), speakers=[p])
    make_session(f, start=ny(17, 11), end=ny(17, 12), speakers=[p],
                 status=SessionStatus.CANCELLED)
    assert kinds(f) == []


def test_guest_by_name_double_booked(make_forum: Any, make_session: Any) -> None:
    from schedule.models import SpeakerRole, SpeakerSlot
    f = make_forum()
    a = make_session(f, start=ny(17, 10), end=ny(17, 12))
    b = make_session(f, start=ny(17, 11), end=ny(17, 12))
    a.speaker_slots.append(SpeakerSlot(guest_name="Amina Mohammed", role=SpeakerRole.KEYNOTE))
    b.speaker_slots.append(SpeakerSlot(guest_name="amina  mohammed", role=SpeakerRole.KEYNOTE))
    db.session.flush()
    assert kinds(f) == [ClashKind.PERSON_DOUBLE_BOOKED]


def _two_venues(make_forum: Any, make_venue: Any, minutes: int) -> tuple[Any, Any, Any]:
    f = make_forum()
    v1 = make_venue(f, name="Church Center")
    v2 = make_venue(f, name="UN Headquarters")
    set_travel(v1, v2, minutes)
    return f, v1, v2


def test_travel_buffer_warns_between_venues(make_forum: Any, make_venue: Any,
                                            make_delegate: Any, make_delegation: Any,
                                            make_session: Any) -> None:
    f, v1, v2 = _two_venues(make_forum, make_venue, 20)
    p = make_delegate(make_delegation(f), given_names="Yvonne", family_name="Aki-Sawyerr")
    make_session(f, title="A", start=ny(17, 10), end=ny(17, 11, 30), speakers=[p],
                 room=v1.rooms[0])
    make_session(f, title="B", start=ny(17, 11, 40), end=ny(17, 12, 30), speakers=[p],
                 room=v2.rooms[0])
    clashes = forum_clashes(f)
    assert [c.kind for c in clashes] == [ClashKind.TRAVEL_TIME]
    c = clashes[0]
    assert c.severity == Severity.WARNING
    assert "10 min" in c.message and "20 min" in c.message
    assert "Church Center" in c.message and "UN Headquarters" in c.message
    assert db.session.query(VenueTravel).count() == 1


def test_travel_buffer_same_venue_no_warning(make_forum: Any, make_venue: Any,
                                             make_delegate: Any, make_delegation: Any,
                                             make_session: Any) -> None:
    f = make_forum()
    v1 = make_venue(f, rooms=2)
    p = make_delegate(make_delegation(f))
    make_session(f, start=ny(17, 10), end=ny(17, 11, 30), speakers=[p], room=v1.rooms[0])
    make_session(f, start=ny(17, 11, 40), end=ny(17, 12, 30), speakers=[p], room=v1.rooms[1])
    assert kinds(f) == []


def test_travel_enough_time_no_warning(make_forum: Any, make_venue: Any, make_delegate: Any,
                                       make_delegation: Any, make_session: Any) -> None:
    f, v1, v2 = _two_venues(make_forum, make_venue, 20)
    p = make_delegate(make_delegation(f))
    make_session(f, start=ny(17, 10), end=ny(17, 11, 30), speakers=[p], room=v1.rooms[0])
    make_session(f, start=ny(17, 11, 50), end=ny(17, 12, 30), speakers=[p], room=v2.rooms[0])
    assert kinds(f) == []


def test_room_double_booked_is_found(make_forum: Any, make_venue: Any,
                                     make_session: Any) -> None:
    """The database refuses it; a cancelled one brought back by hand-edited data, or rows
    from elsewhere, are still reported by the scan (here: computed over plain rows)."""
    from schedule.clashes import ForumRows, RoomRow, SessionRow, find_clashes
    rows = ForumRows("America/New_York", date(2022, 5, 16), date(2022, 5, 20))
    rows.rooms[1] = RoomRow(1, "Conference Room 4", 1, 100)
    rows.sessions += [SessionRow(1, "A", ny(17, 10), ny(17, 12), 1),
                      SessionRow(2, "B", ny(17, 11), ny(17, 13), 1),
                      SessionRow(3, "C", ny(17, 13), ny(17, 14), 1)]
    clashes = find_clashes(rows)
    assert [c.kind for c in clashes] == [ClashKind.ROOM_DOUBLE_BOOKED]
    assert clashes[0].severity == Severity.ERROR
    assert [r.name for r in clashes[0].rooms] == ["Conference Room 4"]


def test_over_capacity(make_forum: Any, make_venue: Any, make_session: Any) -> None:
    f = make_forum()
    v = make_venue(f)
    v.rooms[0].capacity = 50
    make_session(f, room=v.rooms[0], expected_attendance=80)
    make_session(f, room=v.rooms[0], start=ny(17, 15), expected_attendance=50)
    clashes = forum_clashes(f)
    assert [c.kind for c in clashes] == [ClashKind.OVER_CAPACITY]
    assert "80" in clashes[0].message and "50" in clashes[0].message


def test_official_speaker_without_approved_accreditation(
        make_forum: Any, make_delegate: Any, make_delegation: Any, make_session: Any) -> None:
    f = make_forum()
    d = make_delegation(f)
    ok = make_delegate(d)
    pending = make_delegate(d, status=AccreditationStatus.SUBMITTED, family_name="Pending")
    none = make_delegate(d, route=None, family_name="Nobody")
    make_session(f, official=True, speakers=[ok, pending, none])
    make_session(f, official=False, start=ny(17, 16), speakers=[pending])
    clashes = forum_clashes(f)
    assert [c.kind for c in clashes] == [ClashKind.NOT_ACCREDITED] * 2
    assert {c.people[0].id for c in clashes} == {pending.id, none.id}


def test_outside_stay_and_outside_forum(make_forum: Any, make_delegate: Any,
                                        make_delegation: Any, make_session: Any) -> None:
    f = make_forum()
    p = make_delegate(make_delegation(f), arrival_date=date(2022, 5, 17),
                      departure_date=date(2022, 5, 18))
    make_session(f, title="Too early", start=ny(16, 10), end=ny(16, 11), speakers=[p])
    make_session(f, title="Fine", start=ny(17, 10), end=ny(17, 11), speakers=[p])
    make_session(f, title="After the forum", start=ny(21, 10), end=ny(21, 11))
    got = sorted((c.kind.value, c.sessions[0].name) for c in forum_clashes(f))
    assert got == [("outside_forum", "After the forum"), ("outside_stay", "Too early")]


def test_speaking_minutes_longer_than_session(make_forum: Any, make_delegate: Any,
                                              make_delegation: Any, make_session: Any) -> None:
    f = make_forum()
    d = make_delegation(f)
    people = [make_delegate(d) for _ in range(3)]
    s = make_session(f, start=ny(17, 10), end=ny(17, 10, 30), speakers=people)
    assert kinds(f) == []
    for slot in s.speaker_slots:
        slot.minutes = 12
    db.session.flush()
    clashes = forum_clashes(f)
    assert [c.kind for c in clashes] == [ClashKind.SPEAKING_TIME]
    assert "36 min" in clashes[0].message and "30 min" in clashes[0].message


def test_cli_prints_json(app: Any, runner: Any, make_forum: Any, make_delegate: Any,
                         make_delegation: Any, make_session: Any) -> None:
    f = make_forum(short_name="CLI1")
    p = make_delegate(make_delegation(f), given_names="Ana", family_name="Lopes")
    make_session(f, start=ny(17, 10), end=ny(17, 12), speakers=[p])
    make_session(f, start=ny(17, 11), end=ny(17, 12), speakers=[p])
    db.session.commit()
    res = runner.invoke(args=["schedule", "clashes", "--forum", "CLI1", "--json"])
    assert res.exit_code == 1, res.output  # an error-severity clash fails a script
    data = json.loads(res.output)
    assert data[0]["kind"] == "person_double_booked"
    assert data[0]["severity"] == "error"
    assert set(data[0]) == {"kind", "severity", "people", "sessions", "rooms", "message"}
    assert data[0]["people"][0]["name"] == "Ana Lopes"
    res = runner.invoke(args=["schedule", "clashes", "--forum", "CLI1"])
    assert "Ana Lopes" in res.output and "error" in res.output.lower()
    assert res.exit_code == 1
    res = runner.invoke(args=["schedule", "clashes", "--forum", "NOPE"])
    assert res.exit_code != 0


def test_cli_exit_code_follows_error_severity(app: Any, runner: Any, make_forum: Any,
                                              make_delegate: Any, make_delegation: Any,
                                              make_session: Any) -> None:
    f = make_forum(short_name="CLI2")
    p = make_delegate(make_delegation(f))
    make_session(f, start=ny(17, 10), end=ny(17, 11), speakers=[p])
    db.session.commit()
    res = runner.invoke(args=["schedule", "clashes", "--forum", "CLI2"])
    assert res.exit_code == 0, res.output
    assert "0 error(s)" in res.output
    make_session(f, start=ny(17, 10, 30), end=ny(17, 11, 30), speakers=[p])
    db.session.commit()
    res = runner.invoke(args=["schedule", "clashes", "--forum", "CLI2"])
    assert res.exit_code == 1 and "1 error(s)" in res.output
