"""The one preview of a write: the clashes it would create, computed on plain rows, equal
to what saving then shows on the clashes page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delegations.db import db
from delegations.models import AccreditationStatus
from schedule.clashes import ClashKind, _key, forum_clashes
from schedule.preview import (
    AccreditationChange,
    SessionChange,
    SlotChange,
    StayChange,
    clashes_created,
    confirmed,
    fingerprint,
)


def ny(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2022, 5, day, hh + 4, mm, tzinfo=UTC)


def move(s: Any, start: datetime, end: datetime, room_id: int | None = None) -> SessionChange:
    return SessionChange(s.id, s.title, start, end, room_id if room_id is not None else s.room_id,
                         s.official, s.expected_attendance, s.cancelled)


def test_moving_a_session_onto_a_speakers_other_session(make_forum, make_delegation,
                                                        make_delegate, make_session) -> None:
    f = make_forum()
    ana = make_delegate(make_delegation(f), given_names="Ana", family_name="Lopes")
    make_session(f, start=ny(17, 10), end=ny(17, 11), speakers=[ana], title="Plenary")
    side = make_session(f, start=ny(17, 14), end=ny(17, 15), speakers=[ana], title="Side")
    assert clashes_created(f, move(side, ny(17, 14), ny(17, 15))) == []
    found = clashes_created(f, move(side, ny(17, 10, 30), ny(17, 11, 30)))
    assert [c.kind for c in found] == [ClashKind.PERSON_DOUBLE_BOOKED]
    assert "Ana Lopes" in found[0].message
    # nothing was written
    db.session.expire_all()
    assert side.starts_at == ny(17, 14)


def test_a_new_session_outside_the_forum_dates(make_forum) -> None:
    f = make_forum()
    found = clashes_created(f, SessionChange(None, "Early bird", ny(14, 9), ny(14, 10)))
    assert [c.kind for c in found] == [ClashKind.OUTSIDE_FORUM]
    assert found[0].sessions[0].id is None and found[0].sessions[0].name == "Early bird"


def test_speaker_added_and_changed(make_forum, make_delegation, make_delegate,
                                   make_session) -> None:
    f = make_forum()
    ana = make_delegate(make_delegation(f), given_names="Ana", family_name="Lopes")
    make_session(f, start=ny(17, 10), end=ny(17, 11), speakers=[ana])
    other = make_session(f, start=ny(17, 10), end=ny(17, 11))
    found = clashes_created(f, SlotChange(other.id, ana.id, ana.full_name))
    assert [c.kind for c in found] == [ClashKind.PERSON_DOUBLE_BOOKED]
    # a slot whose minutes grow past the session's length
    solo = make_session(f, start=ny(18, 10), end=ny(18, 10, 30), speakers=[ana])
    found = clashes_created(f, SlotChange(solo.id, ana.id, ana.full_name, minutes=45,
                                          replaces_existing=True))
    assert [c.kind for c in found] == [ClashKind.SPEAKING_TIME]


def test_stay_dates_and_accreditation(make_forum, make_delegation, make_delegate,
                                      make_session) -> None:
    f = make_forum()
    ana = make_delegate(make_delegation(f), given_names="Ana", family_name="Lopes")
    make_session(f, start=ny(17, 10), end=ny(17, 11), speakers=[ana], official=True)
    found = clashes_created(f, StayChange(ana.id, date(2022, 5, 18), date(2022, 5, 20)))
    assert [c.kind for c in found] == [ClashKind.OUTSIDE_STAY]
    assert clashes_created(f, StayChange(ana.id, date(2022, 5, 16), None)) == []
    found = clashes_created(f, AccreditationChange(ana.id, approved=False))
    assert [c.kind for c in found] == [ClashKind.NOT_ACCREDITED]
    ana.accreditation.status = AccreditationStatus.SUBMITTED
    db.session.flush()
    assert clashes_created(f, AccreditationChange(ana.id, approved=True)) == []


def test_confirmation_counts_for_the_list_seen_only(make_forum) -> None:
    f = make_forum()
    early = clashes_created(f, SessionChange(None, "Early", ny(14, 9), ny(14, 10)))
    late = clashes_created(f, SessionChange(None, "Late", ny(25, 9), ny(25, 10)))
    assert confirmed([], None)
    assert not confirmed(early, None) and not confirmed(early, "")
    assert confirmed(early, fingerprint(early))
    assert not confirmed(late, fingerprint(early))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(min_value=-36, max_value=5 * 24 * 4 + 8),
       length=st.integers(min_value=1, max_value=16), room=st.integers(0, 2))
def test_preview_equals_what_saving_creates(make_forum, make_delegation, make_delegate,
                                            make_session, make_venue, start: int, length: int,
                                            room: int) -> None:
    """Whatever time and room a session moves to, the preview lists exactly the clashes
    that the clashes page shows after saving and did not show before."""
    f = make_forum()
    venues = [make_venue(f, rooms=1), make_venue(f, rooms=1)]
    rooms = [None, venues[0].rooms[0].id, venues[1].rooms[0].id]
    people = [make_delegate(make_delegation(f)) for _ in range(2)]
    make_session(f, start=ny(17, 10), end=ny(17, 11), speakers=people,
                 room_id=rooms[1])
    make_session(f, start=ny(17, 13), end=ny(17, 14), speakers=people[:1], room_id=rooms[2],
                 expected_attendance=500)
    moving = make_session(f, start=ny(18, 10), end=ny(18, 11), speakers=people)
    new_start = ny(16, 0) + timedelta(minutes=15 * start)
    new_end = new_start + timedelta(minutes=15 * length)
    before = {_key(c) for c in forum_clashes(f)}
    preview = clashes_created(f, move(moving, new_start, new_end, rooms[room] or 0) if room
                              else SessionChange(moving.id, moving.title, new_start, new_end))
    moving.starts_at, moving.ends_at, moving.room_id = new_start, new_end, rooms[room]
    try:
        db.session.flush()
    except sa.exc.DBAPIError:  # the database refuses a double-booked room: so did the preview
        db.session.rollback()
        assert ClashKind.ROOM_DOUBLE_BOOKED in [c.kind for c in preview]
        return
    created = [c for c in forum_clashes(f) if _key(c) not in before]
    assert sorted(c.message for c in preview) == sorted(c.message for c in created)
    db.session.rollback()
