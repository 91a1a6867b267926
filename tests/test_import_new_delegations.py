"""A roster import creates the delegations it is missing: a new city with its country is
shown in the preview as a new delegation and created on confirm; without a country it is
refused with the reason. What the preview says is what the import then does."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from delegations.db import db
from delegations.models import ChangeLog, Delegate, Delegation, Role
from delegations.spreadsheets import apply_plan, check_rows, read_table
from tests.accr_support import csv_bytes, follow_import, login_as, make_world, row


def test_new_city_with_its_country_becomes_a_delegation(app, make_forum, make_delegation):
    world = make_world(make_forum, make_delegation)
    rows = [row(delegation="Kampala", country="UG", given_names="Erias", family_name="Lukwago",
                route="own_authority", sponsor=""),
            row(delegation="kampala", country="UG", given_names="Dorothy", family_name="Kisaka",
                route="own_authority", sponsor=""),
            row(delegation="Atlantis", given_names="No", family_name="Country",
                route="own_authority", sponsor=""),
            row(delegation="Freetown", country="SL", given_names="Yvonne", family_name="Aki",
                route="own_authority", sponsor="")]
    plan = check_rows(world.forum, read_table(csv_bytes(rows), "r.csv"))
    assert dict(plan.errors) == {4: "unknown delegation \u201cAtlantis\u201d (give its country, "
                                    "e.g. SL, to create it)"}
    plan = check_rows(world.forum, read_table(csv_bytes([rows[0], rows[1], rows[3]]), "r.csv"))
    assert plan.ok and [d.name for d in plan.new_delegations] == ["Kampala"]
    assert db.session.scalar(sa.select(Delegation.id).where(Delegation.name == "Kampala")) is None
    created, updated = apply_plan(world.forum, plan, None, "r.csv")
    db.session.commit()
    assert (created, updated) == (3, 0)
    kampala = db.session.scalar(sa.select(Delegation).where(Delegation.name == "Kampala"))
    assert kampala.country == "UG" and kampala.forum_id == world.forum.id
    assert sorted(p.family_name for p in db.session.scalars(
        sa.select(Delegate).where(Delegate.delegation_id == kampala.id))) == ["Kisaka",
                                                                               "Lukwago"]
    assert db.session.scalar(sa.select(ChangeLog.summary).where(
        ChangeLog.entity == "delegation", ChangeLog.entity_id == kampala.id)) == \
        "Kampala (UG), from a roster import"
    # the same file again: the delegation exists now, the rows are unchanged
    again = check_rows(world.forum, read_table(csv_bytes([rows[0], rows[1], rows[3]]), "r.csv"))
    assert again.new_delegations == [] and again.unchanged == 3 and again.creates == 0


def test_the_preview_names_the_new_delegation(client, make_user, make_forum, make_delegation):
    world = make_world(make_forum, make_delegation)
    login_as(client, make_user, Role.COORDINATOR)
    data = csv_bytes([row(delegation="Milan", country="IT", given_names="Giuseppe",
                          family_name="Sala", route="own_authority", sponsor="")])
    r = follow_import(client, client.post(
        f"/{world.forum.short_name}/roster/import",
        data={"file": (io.BytesIO(data), "r.csv")}, content_type="multipart/form-data"))
    page = r.get_data(as_text=True)
    assert "New delegation, created when you confirm: Milan (IT)." in page
    assert db.session.scalar(sa.select(Delegation.id).where(Delegation.name == "Milan")) is None
    confirm = re.search(r'action="([^"]*/confirm)"', page).group(1)
    page = follow_import(client, client.post(confirm)).get_data(as_text=True)
    assert "New delegation created: Milan (IT)." in page
    assert db.session.scalar(sa.select(Delegation.id).where(Delegation.name == "Milan"))
