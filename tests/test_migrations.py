"""Migrations build the schema on an empty database and match the models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from delegations.db import Base, db
from schedule.models import SessionStatus


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_head_is_applied(app):
    with db.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    from delegations.db import alembic

    assert version in {s.revision for s in alembic.script_directory.get_revisions("heads")}


def test_the_database_refuses_a_room_double_booking(make_venue, make_session):
    venue = make_venue()
    room = venue.rooms[0]
    start = datetime(2022, 5, 17, 14, tzinfo=UTC)
    make_session(venue.forum, room=room, start=start, end=start.replace(hour=17))
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        make_session(venue.forum, room=room, start=start.replace(hour=16),
                     end=start.replace(hour=18))
    db.session.rollback()
    # back to back is fine, and a cancelled session does not hold the room
    make_session(venue.forum, room=room, start=start.replace(hour=17), end=start.replace(hour=18))
    make_session(venue.forum, room=room, start=start.replace(hour=15), end=start.replace(hour=16),
                 status=SessionStatus.CANCELLED)
    db.session.commit()


def test_naive_datetimes_are_refused(make_forum, make_session):
    with pytest.raises(sa.exc.StatementError):
        make_session(make_forum(), start=datetime(2022, 5, 17, 14), end=datetime(2022, 5, 17, 15))
    db.session.rollback()
