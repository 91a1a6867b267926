"""Approving shows what is not ready (documents, badge type, quota, programme clashes) and
asks to confirm, or refuses where the forum's rule says so; "badge collected" can be undone
by a coordinator, with history."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from delegations.db import db
from delegations.models import (
    AccreditationStatus,
    BadgeType,
    ChangeLog,
    PartnerQuota,
    Role,
    Route,
)
from tests.accr_support import login_as, make_world

S = AccreditationStatus


def _fp(html: str) -> str:
    return re.search(r'name="confirm_checks" value="([0-9a-f]+)"', html).group(1)


def test_approval_with_nothing_ready_asks_to_confirm(client, make_forum, make_delegation,
                                                     make_delegate, make_user):
    world = make_world(make_forum, make_delegation)
    db.session.add(PartnerQuota(forum=world.forum, organisation=world.uclg, quota=1))
    make_delegate(world.delegations["Freetown"], sponsor=world.uclg, status=S.SUBMITTED)
    p = make_delegate(world.delegations["Freetown"], sponsor=world.uclg, status=S.SUBMITTED,
                      given_names="Yvonne", family_name="Aki")
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    r = client.post(f"/IMRF/delegates/{p.id}/status",
                    data={"status": "approved", "note": "checked by phone"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Documents missing: Nomination letter, Passport bio page, Photo." in page
    assert "No badge type is set." in page
    assert "UCLG is over its quota: 2 places for a quota of 1." in page
    assert "checked by phone" in page  # the note is kept
    db.session.expire_all()
    assert p.accreditation.status == S.SUBMITTED
    r = client.post(f"/IMRF/delegates/{p.id}/status", data={
        "status": "approved", "note": "checked by phone", "confirm_checks": _fp(page)})
    assert r.status_code == 302
    db.session.expire_all()
    assert p.accreditation.status == S.APPROVED


def test_a_forum_rule_refuses_approval_without_badge_type(client, app, make_forum,
                                                          make_delegation, make_delegate,
                                                          make_user):
    app.config["APPROVAL_REQUIRES"] = ["badge_type"]
    p = make_delegate(route=Route.OWN_AUTHORITY, status=S.SUBMITTED)
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    f = p.delegation.forum.short_name
    r = client.post(f"/{f}/delegates/{p.id}/status", data={"status": "approved"},
                    follow_redirects=True)
    assert "No badge type is set." in r.get_data(as_text=True)
    db.session.expire_all()
    assert p.accreditation.status == S.SUBMITTED
    p.accreditation.badge_type = BadgeType.OBSERVER
    db.session.commit()
    r = client.post(f"/{f}/delegates/{p.id}/status", data={"status": "approved"})
    assert r.status_code in (302, 409)  # documents may still ask; the badge rule no longer refuses


def test_withdrawing_a_speaker_previews_the_programme_clash(client, make_delegate, make_user,
                                                           make_session):
    p = make_delegate(given_names="Ana", family_name="Lopes", status=S.APPROVED)
    make_session(p.delegation.forum, start=datetime(2022, 5, 17, 14, tzinfo=UTC),
                 speakers=[p], official=True, title="Plenary")
    db.session.commit()
    login_as(client, make_user, Role.COORDINATOR)
    f = p.delegation.forum.short_name
    r = client.post(f"/{f}/delegates/{p.id}/status", data={"status": "withdrawn"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Speaker not accredited" in page and "Plenary" in page


def test_badge_collected_is_undone_by_a_coordinator_with_history(client, make_delegate,
                                                                 make_user):
    p = make_delegate(status=S.APPROVED)
    acc = p.accreditation
    acc.badge_type = BadgeType.OBSERVER
    db.session.commit()
    f = p.delegation.forum.short_name
    login_as(client, make_user, Role.COORDINATOR, email="coord@example.org")
    assert client.post(f"/{f}/delegates/{p.id}/status",
                       data={"status": "badge_collected"}).status_code == 302
    db.session.expire_all()
    approved_at = acc.approved_at
    assert acc.status == S.BADGE_COLLECTED and acc.badge_collected_at is not None
    page = client.get(f"/{f}/delegates/{p.id}").get_data(as_text=True)
    assert "Undo badge collected" in page
    assert client.post(f"/{f}/delegates/{p.id}/status",
                       data={"status": "approved", "note": "wrong person"}).status_code == 302
    db.session.expire_all()
    assert acc.status == S.APPROVED and acc.badge_collected_at is None
    assert acc.approved_at == approved_at
    last = db.session.scalars(sa.select(ChangeLog).where(
        ChangeLog.entity == "accreditation", ChangeLog.entity_id == acc.id)
        .order_by(ChangeLog.id.desc())).first()
    assert last.action == "status:approved" and last.actor == "coord@example.org"
    assert last.details["from"] == "badge_collected" and last.details["note"] == "wrong person"
    # a focal point cannot undo it
    acc.status = S.BADGE_COLLECTED
    db.session.commit()
    client.post("/logout")
    login_as(client, make_user, Role.FOCAL_POINT, delegation=p.delegation)
    r = client.post(f"/{f}/delegates/{p.id}/status", data={"status": "approved"})
    assert r.status_code == 403
    db.session.expire_all()
    assert acc.status == S.BADGE_COLLECTED
