"""Every path that sets an accreditation's status writes its history, with actor and source:
the form, a bulk action, a spreadsheet import (new and existing people) and the forum import.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from delegations.accreditation import status_history
from delegations.db import db
from delegations.models import Accreditation, AccreditationStatus, Delegate, Role
from delegations.spreadsheets import apply_plan, check_rows, read_table
from schedule.cli import DEMO_FILE
from schedule.forum_io import import_forum
from tests.accr_support import csv_bytes, login_as, make_world, row

S = AccreditationStatus


def last_change(acc: Accreditation) -> tuple[str, str, dict]:
    entry = status_history(acc)[-1]
    return entry.actor, entry.action, entry.details


def test_the_form_writes_history(client, make_user, make_delegate):
    person = make_delegate(status=S.SUBMITTED)
    db.session.commit()
    user = login_as(client, make_user, Role.COORDINATOR)
    forum = person.delegation.forum
    r = client.post(f"/{forum.short_name}/delegates/{person.id}/status",
                    data={"status": "approved", "note": "seen the note verbale"})
    assert r.status_code == 409  # documents and badge type not ready: the confirm step
    confirm = re.search(r'name="confirm_checks" value="([0-9a-f]+)"',
                        r.get_data(as_text=True)).group(1)
    r = client.post(f"/{forum.short_name}/delegates/{person.id}/status",
                    data={"status": "approved", "note": "seen the note verbale",
                          "confirm_checks": confirm})
    assert r.status_code == 302
    db.session.expire_all()
    actor, action, details = last_change(person.accreditation)
    assert (actor, action) == (user.email, "status:approved")
    assert details["source"] == "form" and details["from"] == "submitted"
    assert details["note"] == "seen the note verbale"


def test_a_bulk_action_writes_history(client, make_user, make_delegate):
    person = make_delegate(status=S.DRAFT)
    db.session.commit()
    user = login_as(client, make_user, Role.COORDINATOR)
    forum = person.delegation.forum
    r = client.post(f"/{forum.short_name}/roster/bulk",
                    data={"action": "submit", "delegate_id": str(person.id)})
    assert r.status_code == 302
    db.session.expire_all()
    actor, action, details = last_change(person.accreditation)
    assert (actor, action, details["source"]) == (user.email, "status:submitted", "bulk")


def test_a_spreadsheet_import_writes_history_for_new_and_existing_people(
        app, make_forum, make_delegation, make_user):
    world = make_world(make_forum, make_delegation)
    coordinator = make_user(Role.COORDINATOR)
    first = [row(delegation="Freetown", country="SL", given_names="Yvonne",
                 family_name="Aki-Sawyerr", email="yvonne@example.org", status="submitted")]
    plan = check_rows(world.forum, read_table(csv_bytes(first), "roster.csv"))
    assert plan.ok
    apply_plan(world.forum, plan, coordinator, "roster.csv")
    db.session.commit()
    person = db.session.scalars(sa.select(Delegate)).one()
    actor, action, details = last_change(person.accreditation)
    assert (actor, action) == (coordinator.email, "status:submitted")
    assert details == {"from": None, "to": "submitted", "delegate_id": person.id,
                       "source": "spreadsheet"}

    first[0]["status"] = "approved"
    plan = check_rows(world.forum, read_table(csv_bytes(first), "roster.csv"))
    assert plan.ok
    apply_plan(world.forum, plan, coordinator, "roster.csv")
    db.session.commit()
    db.session.expire_all()
    acc = person.accreditation
    assert acc.status == S.APPROVED and acc.approved_at is not None
    actor, action, details = last_change(acc)
    assert (actor, action) == (coordinator.email, "status:approved")
    assert (details["from"], details["source"]) == ("submitted", "spreadsheet")
    assert len(status_history(acc)) == 2


def test_the_forum_import_writes_history(app, make_user):
    admin = make_user(Role.ADMIN)
    data = json.loads(DEMO_FILE.read_text())
    import_forum(data, admin)
    db.session.commit()
    accs = db.session.scalars(sa.select(Accreditation)).all()
    assert accs
    for acc in accs:
        history = status_history(acc)
        assert history
        assert {h.actor for h in history} == {admin.email}
        assert {h.details["source"] for h in history} == {"forum_import"}
        assert history[-1].details["to"] == acc.status.value
        # the trail reads in the order things happened, at the times the file gives
        assert [h.at for h in history] == sorted(h.at for h in history)
    # Mayor Aki-Sawyerr's file: submitted, then approved, both in 2022, nothing "created" later
    person = db.session.scalar(sa.select(Delegate).where(Delegate.family_name == "Aki-Sawyerr"))
    history = status_history(person.accreditations[0])
    assert [(h.details["from"], h.details["to"], h.at.year) for h in history] == [
        (None, "submitted", 2022), ("submitted", "approved", 2022)]


def test_flask_forum_import_names_the_system_as_actor(app, runner, tmp_path):
    path = tmp_path / "forum.json"
    path.write_bytes(DEMO_FILE.read_bytes())
    r = runner.invoke(args=["forum", "import", str(path)])
    assert r.exit_code == 0, r.output
    acc = db.session.scalars(sa.select(Accreditation)).first()
    assert {(h.actor, h.details["source"]) for h in status_history(acc)} == {
        ("system", "forum_import")}
