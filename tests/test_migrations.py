"""Migrations build the schema on an empty database and match the models; each package
migrates its own tables (delegations from delegations/migrations, the programme from
schedule/migrations as the Alembic branch "schedule")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from delegations import create_app
from delegations.auth import create_user
from delegations.db import Base, alembic, db
from delegations.models import Forum, Role
from schedule.models import SessionStatus
from tests.conftest import PASSWORD, base_config


def applied_versions() -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_every_head_is_applied_one_per_package(app):
    heads = alembic.script_directory.get_revisions("heads")
    assert applied_versions() == {s.revision for s in heads}
    # one head per branch: the delegations package's and the schedule package's
    # (a branch's label is carried by every revision after its first, hence the set)
    labels = sorted({label for s in alembic.script_directory.walk_revisions()
                     for label in s.branch_labels})
    assert labels == ["default", "schedule"]
    for branch in labels:  # a second head in a branch raises here
        assert len(alembic.script_directory.get_revisions(f"{branch}@head")) == 1


def test_each_package_creates_only_its_own_tables(app):
    tables = {name: [] for name in ("delegations", "schedule")}
    for script in alembic.script_directory.walk_revisions():
        package = "schedule" if "schedule" in script.path.split("/")[-3:-1] else "delegations"
        tables[package].append(script.path)
    assert tables["schedule"] and all("/schedule/migrations/" in p for p in tables["schedule"])
    assert all("/delegations/migrations/" in p for p in tables["delegations"])


def test_a_database_migrated_before_the_split_upgrades(app):
    """Such a database has every table and records only the delegations revision."""
    alembic.downgrade("schedule@s0001")  # tables added after the split were not there then
    (default_head,) = alembic.script_directory.get_revisions("default@head")
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM alembic_version"))
        conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                     {"v": default_head.revision})
    alembic.upgrade()
    heads = {s.revision for s in alembic.script_directory.get_revisions("heads")}
    assert applied_versions() == heads


def test_without_the_schedule_module_people_and_accreditation_run(tmp_path):
    """FORUM_DESK_MODULES=[]: only the delegations tables, and its pages render."""
    app = create_app({**base_config(f"sqlite:///{tmp_path / 'bare.sqlite'}", tmp_path),
                      "FORUM_DESK_MODULES": []})
    with app.app_context():
        alembic.upgrade()
        names = set(sa.inspect(db.engine).get_table_names())
        assert "delegation" in names and "session" not in names
        db.session.add(Forum(name="Forum", short_name="F1", timezone="America/New_York",
                             start_date=date(2022, 5, 16), end_date=date(2022, 5, 20)))
        create_user("coord@example.org", PASSWORD, Role.COORDINATOR)
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": "coord@example.org", "password": PASSWORD})
        r = client.get("/", follow_redirects=True)
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        assert 'href="/F1/delegations/"' in page and "Programme" not in page
        db.session.close()
        db.engine.dispose()


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
