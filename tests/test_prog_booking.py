"""Room booking: one room, one time, one session, even when coordinators save at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import Forum, User
from schedule.models import Room, Session, SessionKind, SessionStatus
from schedule.services import (
    ProgrammeError,
    RoomTaken,
    begin_programme_write,
    cancel_session,
    create_session,
    update_session,
)

T0 = datetime(2022, 5, 17, 14, 0, tzinfo=UTC)  # 10:00 in New York
T1 = datetime(2022, 5, 17, 17, 0, tzinfo=UTC)


def test_second_booking_gets_a_clear_error(app: Any, make_forum: Any, make_venue: Any) -> None:
    f = make_forum()
    room = make_venue(f, name="UN Headquarters").rooms[0]
    first = create_session(f, None, title="Roundtable 1", kind=SessionKind.ROUNDTABLE,
                           room_id=room.id, starts_at=T0, ends_at=T1)
    db.session.commit()
    assert first.revision == 1
    with pytest.raises(RoomTaken) as err:
        create_session(f, None, title="Press conference", kind=SessionKind.PRESS_CONFERENCE,
                       room_id=room.id, starts_at=T0.replace(hour=15), ends_at=T1)
    assert "already booked" in err.value.message
    assert "Roundtable 1" in err.value.message and "10:00–13:00" in err.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == 1


def test_moving_into_a_taken_room_is_refused_and_cancelled_frees_it(
        app: Any, make_forum: Any, make_venue: Any) -> None:
    f = make_forum()
    r1, r2 = make_venue(f, rooms=2).rooms
    a = create_session(f, None, title="A", kind=SessionKind.ROUNDTABLE, room_id=r1.id,
                       starts_at=T0, ends_at=T1)
    b = create_session(f, None, title="B", kind=SessionKind.ROUNDTABLE, room_id=r2.id,
                       starts_at=T0, ends_at=T1)
    db.session.commit()
    with pytest.raises(RoomTaken):
        update_session(b, None, room_id=r1.id)
    db.session.rollback()
    cancel_session(a, None)
    db.session.commit()
    assert update_session(b, None, room_id=r1.id) == ["room_id"]
    db.session.commit()
    assert b.revision == 2 and a.revision == 2 and a.status == SessionStatus.CANCELLED


def test_bad_times_are_refused(app: Any, make_forum: Any) -> None:
    f = make_forum()
    with pytest.raises(ProgrammeError, match="end after it starts"):
        create_session(f, None, title="X", kind=SessionKind.SIDE_EVENT, starts_at=T1,
                       ends_at=T0)


def test_every_change_is_logged(app: Any, make_forum: Any, make_delegate: Any,
                                make_delegation: Any) -> None:
    from delegations.models import ChangeLog
    from schedule.services import add_speaker, remove_speaker
    f = make_forum()
    p = make_delegate(make_delegation(f))
    s = create_session(f, None, title="X", kind=SessionKind.SIDE_EVENT, starts_at=T0,
                       ends_at=T1)
    update_session(s, None, title="Y")
    slot = add_speaker(s, None, delegate=p)
    remove_speaker(slot, None)
    cancel_session(s, None)
    db.session.commit()
    assert s.revision == 5
    actions = db.session.scalars(sa.select(ChangeLog.action).where(
        ChangeLog.entity == "session", ChangeLog.entity_id == s.id).order_by(ChangeLog.id)).all()
    assert actions == ["create", "update", "speaker:add", "speaker:remove", "cancel"]


def test_twenty_coordinators_book_one_room_at_once(app: Any, make_forum: Any,
                                                   make_venue: Any, make_user: Any) -> None:
    """20 threads, each its own app context, session and connection: exactly one wins."""
    from delegations import create_app

    f = make_forum()
    room = make_venue(f, name="UN Headquarters").rooms[0]
    room.name = "Conference Room 4"
    coordinator = make_user("coordinator")
    db.session.commit()
    forum_id, room_id, user_id = f.id, room.id, coordinator.id
    # The same database, with a pool big enough for 20 simultaneous requests.
    engine = dict(app.config["SQLALCHEMY_ENGINES"]["default"], pool_size=25, max_overflow=0)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False,
                      "DATABASE_URL": app.config["DATABASE_URL"],
                      "SQLALCHEMY_ENGINES": {"default": engine}})
    barrier = threading.Barrier(20)
    results: list[tuple[str, str]] = []
    lock = threading.Lock()

    def book(n: int) -> None:
        with app.app_context():
            try:
                # Like the view: the user and forum are read first, then the booking.
                actor = db.session.get(User, user_id)
                db.session.get(Forum, forum_id)
                barrier.wait(timeout=30)
                begin_programme_write()
                forum = db.session.get(Forum, forum_id)
                create_session(forum, actor, title=f"Booking {n}", kind=SessionKind.SIDE_EVENT,
                               room_id=room_id, starts_at=T0, ends_at=T1)
                db.session.commit()
                outcome = ("ok", "")
            except RoomTaken as exc:
                db.session.rollback()
                outcome = ("taken", exc.message)
            except Exception as exc:  # noqa: BLE001 - any other outcome fails the test
                db.session.rollback()
                outcome = ("other", repr(exc))
            finally:
                db.session.close()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    kinds = sorted(r[0] for r in results)
    assert kinds == ["ok"] + ["taken"] * 19, results
    assert all("Conference Room 4" in msg and "already booked" in msg
               for k, msg in results if k == "taken"), results
    with app.app_context():
        rows = db.session.scalars(sa.select(Session).where(Session.room_id == room_id)).all()
        assert len(rows) == 1 and rows[0].revision == 1
        assert db.session.get(Room, room_id) is not None
        db.session.close()
        db.engine.dispose()


def test_database_guard_turns_into_a_clear_error(app: Any, make_forum: Any, make_venue: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Even when the service's own check misses (two saves racing), the database's
    constraint (PostgreSQL) or trigger (SQLite) refuses, and the user reads why."""
    import schedule.services as services

    f = make_forum()
    room = make_venue(f).rooms[0]
    create_session(f, None, title="First", kind=SessionKind.SIDE_EVENT, room_id=room.id,
                   starts_at=T0, ends_at=T1)
    db.session.commit()
    real = services._overlapping
    calls: list[int] = []

    def blind_first(b: Any) -> Any:
        calls.append(1)
        return [] if len(calls) == 1 else real(b)

    monkeypatch.setattr(services, "_overlapping", blind_first)
    with pytest.raises(RoomTaken) as err:
        create_session(f, None, title="Second", kind=SessionKind.SIDE_EVENT, room_id=room.id,
                       starts_at=T0, ends_at=T1)
    assert "already booked" in err.value.message and "'First'" in err.value.message
    assert isinstance(err.value.__cause__, sa.exc.IntegrityError)
    # The outer transaction is still usable: the savepoint took the failure.
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == 1
